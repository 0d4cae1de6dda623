package io.imgcdn.shard.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The shard's eviction policy keeps more of the hot set than FIFO and LRU on a Zipf 0.9 trace. */
class PolicySimulationTest {

  @Test
  void compare_zipf09CacheFivePercent_shardPolicyBeatsFifoAndLruOnByteHitRatioWithFewerWrites() {
    int objects = 100_000;
    long capacity = new ZipfTrace(objects, 0.9, 42).totalBytes() / 20;

    List<PolicySimulation.Result> results =
        PolicySimulation.compare(objects, 1_000_000, 0.9, capacity);

    PolicySimulation.Result fifo = results.get(0);
    PolicySimulation.Result lru = results.get(1);
    PolicySimulation.Result shard = results.get(3);
    assertThat(shard.byteHitRatio()).isGreaterThan(fifo.byteHitRatio() + 0.02);
    assertThat(shard.byteHitRatio()).isGreaterThan(lru.byteHitRatio());
    assertThat(shard.writtenPerRequestedByte()).isLessThan(lru.writtenPerRequestedByte());
  }

  @Test
  void zipfTrace_sizes_matchDesignFigures() {
    ZipfTrace trace = new ZipfTrace(200_000, 0.9, 7);
    int[] sorted = trace.sizes.clone();
    java.util.Arrays.sort(sorted);

    double mean = trace.totalBytes() / (double) sorted.length;
    assertThat(mean).isBetween(55.0 * 1024, 65.0 * 1024);
    assertThat(sorted[(int) (sorted.length * 0.95)]).isBetween(290 * 1024, 310 * 1024);
    assertThat(sorted[sorted.length - 1]).isLessThanOrEqualTo(15 * 1024 * 1024);
  }
}
