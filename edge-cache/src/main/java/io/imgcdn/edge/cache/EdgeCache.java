package io.imgcdn.edge.cache;

import com.github.benmanes.caffeine.cache.AsyncCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The edge's memory cache: a Caffeine W-TinyLFU cache bounded by bytes, whose entries are futures, so
 * concurrent misses for one key wait on one upstream fetch.
 */
public final class EdgeCache {
  /*
   * Caffeine's AsyncCache stores the in-flight future itself: the first request for a key inserts it and
   * fetches; later requests find it and wait (coalescing), and are answered the moment it completes. The
   * future always completes normally: an error reply (404, 502...) completes it too, so every waiter gets
   * the same answer, and is then removed, so errors are never cached (a failed future would also be
   * removed, but Caffeine logs each one as a warning). Weights are taken when the future completes
   * (in-flight entries weigh nothing). Objects over maxObjectBytes are removed right after they complete:
   * the waiters still get them, memory does not keep them.
   * Eviction is W-TinyLFU [1]: a frequency sketch admits a new object only if it is likely to be more
   * popular than the victim, which beats LRU on the Zipf workloads of image CDNs.
   * [1] Einziger, Friedman, Manes. TinyLFU: A Highly Efficient Cache Admission Policy. ACM ToS 2017.
   */

  /** Whether a lookup found a finished entry, joined an in-flight one, or started the fetch. */
  public enum Verdict { HIT, COALESCED, MISS }

  /** The future answer and how it was obtained. */
  public record Lookup(CompletableFuture<Fetched> future, Verdict verdict) {}

  private final AsyncCache<String, Fetched> cache;
  private final long maxObjectBytes;

  public EdgeCache(long maxBytes, long maxObjectBytes) {
    this.maxObjectBytes = maxObjectBytes;
    this.cache = Caffeine.newBuilder()
        .maximumWeight(maxBytes)
        .weigher((String k, Fetched v) -> v.weight())
        .recordStats()
        .buildAsync();
  }

  /** Returns the cached or in-flight future for key, or starts {@code fetch} and caches its future. */
  public Lookup lookup(String key, Supplier<CompletableFuture<Fetched>> fetch) {
    CompletableFuture<Fetched> existing = cache.getIfPresent(key);
    if (existing != null) {
      return new Lookup(existing, existing.isDone() && !existing.isCompletedExceptionally()
          ? Verdict.HIT : Verdict.COALESCED);
    }
    CompletableFuture<Fetched> mine = new CompletableFuture<>();
    CompletableFuture<Fetched> raced = cache.asMap().putIfAbsent(key, mine);
    if (raced != null) {
      return new Lookup(raced, raced.isDone() ? Verdict.HIT : Verdict.COALESCED);
    }
    fetch.get().whenComplete((fetched, failure) -> {
      if (failure != null) {
        cache.asMap().remove(key, mine);
        mine.completeExceptionally(failure);
        return;
      }
      mine.complete(fetched);
      if (!fetched.reply().isOk() || fetched.reply().object().length() > maxObjectBytes) {
        cache.asMap().remove(key, mine);
      }
    });
    return new Lookup(mine, Verdict.MISS);
  }

  public void invalidate(String key) {
    cache.synchronous().invalidate(key);
  }

  public void invalidateAll() {
    cache.synchronous().invalidateAll();
  }

  public long weightedBytes() {
    return cache.synchronous().policy().eviction().flatMap(e -> e.weightedSize().stream().boxed().findFirst())
        .orElse(0L);
  }

  public long objects() {
    return cache.synchronous().estimatedSize();
  }

  public void bindMetrics(MeterRegistry registry, long maxBytes) {
    Gauge.builder("imgcdn.cache.bytes", this, EdgeCache::weightedBytes)
        .description("Bytes held by the memory cache").baseUnit("bytes").register(registry);
    Gauge.builder("imgcdn.cache.max.bytes", () -> maxBytes)
        .description("Configured bound of the memory cache").baseUnit("bytes").register(registry);
    Gauge.builder("imgcdn.cache.objects", this, EdgeCache::objects)
        .description("Objects in the memory cache").register(registry);
    FunctionCounter.builder("imgcdn.cache.evictions", cache, c -> c.synchronous().stats().evictionCount())
        .description("Objects evicted").register(registry);
  }
}
