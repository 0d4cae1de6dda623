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
      long headroom =
          4 * (budget.writeBufferBytes() + budget.maxValueBytes()) + budget.fixedOverheadBytes();

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
}
