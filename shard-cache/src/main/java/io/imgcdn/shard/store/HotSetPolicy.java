package io.imgcdn.shard.store;

/**
 * Decides which objects the FIFO-evicting store admits and which hit objects it rewrites before the
 * oldest table files are dropped, so that popular objects stay while one-hit wonders never reach
 * the SSD.
 */
final class HotSetPolicy {

  /*
   * Plain FIFO evicts by age alone: a picture asked for every second is dropped as soon as its table
   * file is the oldest. Two changes, both cheap on a log-structured store:
   *
   * Re-insertion near the eviction horizon (as CacheLib's BlockCache re-inserts hits from the region
   * it is about to reclaim [1], and as CLOCK gives a second chance [2]): on a hit, if the object lies in
   * the oldest REINSERT_ZONE of the table bytes and its recent frequency is at least
   * REINSERT_MIN_FREQUENCY, it is written again at the head. The old copy is dropped with its file. A
   * hit further from the horizon costs nothing: the object will get another chance if it is hit again
   * once it has aged into the zone. A hot object is therefore rewritten about once per pass of the log,
   * not once per hit.
   *
   * Admission by frequency (TinyLFU's idea [3], as a fixed threshold): offer() writes a missed object
   * to the SSD only if its key was asked for at least ADMIT_MIN_FREQUENCY times recently (by the aging
   * FrequencySketch), i.e. from its fourth request on. Under a Zipf workload most distinct keys are
   * requested rarely; admitting them costs SSD writes and pushes useful objects towards the horizon.
   * Thresholds 0, 2, 3, 4, 5, 6 were simulated at caches of 1-20% of the catalog: 4 beat LRU at every
   * size; 5 and 6 win more at small caches but lose at 20% and delay new popular objects longer.
   *
   * The figures that chose the constants (byte hit ratio, bytes written) are in docs/BENCHMARKS.md
   * ("Shard store"), from PolicySimulation.
   *
   * [1] CacheLib: B. Berg et al. The CacheLib Caching Engine: Design and Experiences at Scale.
   *     OSDI 2020 (BlockCache, reinsertion policy).
   * [2] F. J. Corbato. A Paging Experiment with the Multics System. MIT Project MAC, 1968 (CLOCK).
   * [3] G. Einziger, R. Friedman, B. Manes. TinyLFU: A Highly Efficient Cache Admission Policy.
   *     ACM Transactions on Storage 13(4), 2017.
   */

  static final double REINSERT_ZONE = 0.25;
  static final int REINSERT_MIN_FREQUENCY = 2;
  static final int ADMIT_MIN_FREQUENCY = 4;

  private final FrequencySketch sketch;
  private final double reinsertZone;
  private final int reinsertMinFrequency;
  private final int admitMinFrequency;

  /**
   * @param expectedItems about how many objects the store holds
   */
  HotSetPolicy(long expectedItems) {
    this(expectedItems, REINSERT_ZONE, REINSERT_MIN_FREQUENCY, ADMIT_MIN_FREQUENCY);
  }

  /** A policy with other constants (0 for admitMinFrequency admits every miss); for simulations. */
  HotSetPolicy(
      long expectedItems, double reinsertZone, int reinsertMinFrequency, int admitMinFrequency) {
    this.sketch = new FrequencySketch(expectedItems);
    this.reinsertZone = reinsertZone;
    this.reinsertMinFrequency = reinsertMinFrequency;
    this.admitMinFrequency = admitMinFrequency;
  }

  /** Re-insertion without admission control (every miss admitted); for comparison. */
  static HotSetPolicy reinsertOnly(long expectedItems) {
    return new HotSetPolicy(expectedItems, REINSERT_ZONE, REINSERT_MIN_FREQUENCY, 0);
  }

  /** Counts one request (hit or miss) for the key. */
  void recordAccess(long keyHash) {
    sketch.increment(keyHash);
  }

  /** Whether a missed object may be written to the store. */
  boolean shouldAdmit(long keyHash) {
    return sketch.frequency(keyHash) >= admitMinFrequency;
  }

  /**
   * Whether a hit object should be rewritten at the head of the log.
   *
   * @param bytesOlder table bytes written before the object's copy (its distance from the horizon)
   * @param capacityBytes table bytes the store keeps
   */
  boolean shouldReinsert(long keyHash, long bytesOlder, long capacityBytes) {
    return bytesOlder < reinsertZone * capacityBytes
        && sketch.frequency(keyHash) >= reinsertMinFrequency;
  }

  /** A well-spread 64-bit hash of an int id (for simulations keyed by int). */
  static long spread(int id) {
    return FrequencySketch.hash(
        new byte[] {(byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id});
  }
}
