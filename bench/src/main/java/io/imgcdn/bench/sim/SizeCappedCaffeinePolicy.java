package io.imgcdn.bench.sim;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * {@link CaffeinePolicy} behind a size-aware admission filter: objects larger than the capacity
 * divided by {@code divisor} are never admitted.
 */
public final class SizeCappedCaffeinePolicy implements CachePolicy {

  /*
   * The simplest size-aware admission (a fixed threshold; AdaptSize [1] tunes a probabilistic one). It
   * keeps one large object from pushing out many small ones, which helps the object hit ratio; whether
   * it helps the byte hit ratio depends on the capacity (bench/results/2026-11-edge-hit-ratio.md
   * has the figures).
   *
   * [1] D. S. Berger, R. K. Sitaraman, M. Harchol-Balter. AdaptSize: Orchestrating the Hot Object Memory
   *     Cache in a Content Delivery Network. NSDI 2017.
   */

  private final Cache<Integer, Integer> cache;
  private final long largestAdmitted;

  public SizeCappedCaffeinePolicy(long capacityBytes, int divisor) {
    if (capacityBytes <= 0 || divisor <= 0) {
      throw new IllegalArgumentException(
          "capacityBytes, divisor: " + capacityBytes + ", " + divisor + " (expected: both > 0)");
    }
    this.largestAdmitted = capacityBytes / divisor;
    this.cache =
        Caffeine.newBuilder()
            .maximumWeight(capacityBytes)
            .weigher((Integer k, Integer size) -> size)
            .executor(Runnable::run)
            .build();
  }

  @Override
  public boolean access(int object, long size) {
    if (cache.getIfPresent(object) != null) {
      return true;
    }
    if (size <= largestAdmitted) {
      cache.put(object, Math.toIntExact(size));
    }
    return false;
  }

  @Override
  public long usedBytes() {
    return cache.policy().eviction().orElseThrow().weightedSize().orElseThrow();
  }
}
