package io.imgcdn.shard.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20: a store set to hold N bytes holds at least 0.9 N of data once it is full, in real
 * RocksDB on disk, while its directory stays within the stated bound (N plus the headroom).
 */
class StoreDataShareTest {
  /*
   * 512 MiB, the demo's and the bench's setting, filled with 1.2x that in objects of pixiv-like sizes
   * (mostly 20-200 KB, every 50th 2 MB and so stored in chunks). Live data is counted the way a hit
   * sees it: every key written is read back and the bodies still there are summed.
   */
  private static final long MIB = 1L << 20;
  private static final long DATA_BYTES = 512 * MIB;

  @TempDir Path dir;

  @Test
  void fill_onePointTwoTimesTheSetting_holdsNinetyPercentAsDataWithinTheDiskBound()
      throws Exception {
    StoreBudget budget = StoreBudget.forData(DATA_BYTES);
    Random random = new Random(20);
    long written = 0;
    int count = 0;
    long maxUsage = 0;
    try (ShardStore store =
        ShardStore.open(new StoreConfig(dir.resolve("db"), DATA_BYTES, 2, 64))) {
      while (written < DATA_BYTES * 12 / 10) {
        int size = count % 50 == 49 ? 2 << 20 : 20_000 + random.nextInt(180_000);
        store.put("key-" + count, TestObjects.object(size, count)).join();
        written += size;
        count++;
        maxUsage = Math.max(maxUsage, store.diskUsageBytes());
      }
      long live = 0;
      for (int i = 0; i < count; i++) {
        live += TestObjects.read(store, "key-" + i).map(o -> (long) o.body().length).orElse(0L);
      }
      System.out.printf(
          "STORE data share: setting %d MiB, wrote %d MiB in %d objects; live data %.1f MiB"
              + " (%.1f%% of the setting), table files + memtables %.1f MiB, largest disk use"
              + " %.1f MiB, disk bound %d MiB (headroom %d MiB), guard refusals %d%n",
          DATA_BYTES >> 20,
          written >> 20,
          count,
          live / (double) MIB,
          100.0 * live / DATA_BYTES,
          store.stats().bytes() / (double) MIB,
          maxUsage / (double) MIB,
          budget.maxBytes() >> 20,
          budget.headroomBytes() >> 20,
          store.stats().boundRefusals());
      assertThat(store.stats().evictions()).as("the store was full and evicted").isGreaterThan(0);
      assertThat(live).as("live data").isGreaterThanOrEqualTo(DATA_BYTES * 9 / 10);
      assertThat(maxUsage)
          .as("largest disk use after a put")
          .isLessThanOrEqualTo(budget.maxBytes());
      assertThat(store.diskUsageBytes()).isLessThanOrEqualTo(budget.maxBytes());
    }
  }
}
