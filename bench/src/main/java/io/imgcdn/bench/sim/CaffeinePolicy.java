package io.imgcdn.bench.sim;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * Caffeine's own W-TinyLFU, as the edge uses it: a real Caffeine cache bounded by {@code
 * maximumWeight} with a weigher returning the object's size.
 */
public final class CaffeinePolicy implements CachePolicy {

  /*
   * The cache runs its maintenance (eviction, sketch updates) on the calling thread (executor
   * Runnable::run), so a replay does not race a background thread. One source of randomness remains:
   * Caffeine's admission lets a candidate whose sketch frequency is at least 6 win against a more
   * frequent victim with probability 1/128 (a guard against hash-flooding attacks), drawn from
   * ThreadLocalRandom. Results therefore vary between runs in about the fourth digit.
   *
   * Entries carry no overhead weight here: the sizes are the objects'. The edge adds its own
   * per-entry overhead to the weight, which shifts capacity by a few hundred bytes per entry.
   */

  private final Cache<Integer, Integer> cache;

  public CaffeinePolicy(long capacityBytes) {
    if (capacityBytes <= 0) {
      throw new IllegalArgumentException("capacityBytes: " + capacityBytes + " (expected: > 0)");
    }
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
    cache.put(object, Math.toIntExact(size));
    return false;
  }

  @Override
  public long usedBytes() {
    return cache.policy().eviction().orElseThrow().weightedSize().orElseThrow();
  }
}
