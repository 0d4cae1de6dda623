package io.imgcdn.shard.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class StoreConfigTest {

  private static final Path DIR = Path.of("/tmp/unused");

  @Test
  void new_maxBytesBelow16MiB_failsNamingFieldAndExpectation() {
    assertThatThrownBy(() -> new StoreConfig(DIR, (16L << 20) - 1, 2, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxBytes: 16777215")
        .hasMessageContaining("expected: >= 16777216");
  }

  @Test
  void new_zeroThreads_failsNamingField() {
    assertThatThrownBy(() -> new StoreConfig(DIR, 64L << 20, 0, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("threads: 0");
  }

  @Test
  void new_zeroQueueCapacity_failsNamingField() {
    assertThatThrownBy(() -> new StoreConfig(DIR, 64L << 20, 2, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("queueCapacity: 0");
  }

  @Test
  void budget_anyValidSize_reservesHeadroomBelowMaxBytes() {
    for (long maxBytes : new long[] {16L << 20, 64L << 20, 1L << 30, 256L << 30}) {
      StoreBudget budget = StoreBudget.of(maxBytes);
      // WAL 2 m, two flush outputs 2 m, the spare file m, fixed files
      long headroom =
          5 * (budget.writeBufferBytes() + budget.maxValueBytes()) + budget.fixedOverheadBytes();

      assertThat(budget.tableFilesBytes() + headroom)
          .as("maxBytes %d", maxBytes)
          .isLessThan(maxBytes);
      assertThat(budget.tableFilesBytes()).isGreaterThanOrEqualTo(maxBytes / 4);
    }
  }

  @Test
  void budget_512MiB_admits15MBImages() {
    assertThat(StoreBudget.of(512L << 20).maxValueBytes()).isGreaterThan(15_000_000L + 10_000);
  }

  @Test
  void budget_withinALowerBound_sameHeadroomWholeWriteBuffersRoomForOneMemtable() {
    StoreBudget budget = StoreBudget.of(56L << 20); // 1 MiB write buffer, m = 2.75 MiB
    long headroom = budget.headroomBytes();

    assertThat(budget.tableFilesBytesWithin(1L << 40)).isEqualTo(budget.tableFilesBytes());
    assertThat(budget.tableFilesBytesWithin(budget.maxBytes() - 100_000))
        .as("within a write buffer of it: all of it")
        .isEqualTo(budget.tableFilesBytes());
    assertThat(budget.tableFilesBytesWithin(headroom + (5L << 20) + 12_345))
        .as("rounded down to whole write buffers")
        .isEqualTo(5L << 20);
    assertThat(budget.tableFilesBytesWithin(headroom - 1)).isZero();
    assertThat(budget.roomToWrite(headroom + (3L << 20))).isTrue();
    assertThat(budget.roomToWrite(headroom + (2L << 20))).as("2 MiB < one memtable").isFalse();
  }

  @Test
  void diskRoom_boundIsTheLowerOfMaxBytesAndStorePlusFreeLessReserve() {
    long mib = 1L << 20;
    assertThat(DiskRoom.boundBytes(1024 * mib, 40 * mib, 20 * mib, 8 * mib)).isEqualTo(52 * mib);
    assertThat(DiskRoom.boundBytes(64 * mib, 40 * mib, 100_000 * mib, 8 * mib)).isEqualTo(64 * mib);
    assertThat(DiskRoom.boundBytes(1024 * mib, 4 * mib, 0, 8 * mib)).isZero();
  }

  @Test
  void diskRoom_autoReserve_onePercentWithin8MiBAnd1GiB() {
    long mib = 1L << 20;
    assertThat(DiskRoom.autoReserveBytes(64 * mib)).isEqualTo(8 * mib);
    assertThat(DiskRoom.autoReserveBytes(10_000 * mib)).isEqualTo(100 * mib);
    assertThat(DiskRoom.autoReserveBytes(256_000 * mib)).isEqualTo(1024 * mib);
  }
}
