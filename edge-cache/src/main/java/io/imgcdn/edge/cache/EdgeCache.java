package io.imgcdn.edge.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.imgcdn.common.http.AcceptClass;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * The edge's memory cache: an index on the heap (Caffeine, W-TinyLFU, bounded by bytes) of {@link
 * CachedObject}s whose bodies live off-heap, so the Java heap stays small whatever the cache size.
 */
public final class EdgeCache implements AutoCloseable {
  /*
   * Index. Caffeine decides admission and eviction [1]: a frequency sketch admits a new object only if it
   * is likely to be more popular than the victim, which beats LRU on the Zipf workloads of image CDNs.
   * The weigher charges each entry its buffer plus a fixed overhead, so maximumWeight bounds the
   * off-heap bytes. Maintenance and removal notifications run on the calling thread (executor
   * Runnable::run): an evicted body is released right when it leaves the index, so memory follows the
   * bound closely instead of waiting for a background pool.
   *
   * Memory. Bodies are allocated by an unpooled direct allocator: one malloc of the exact size per
   * object and one free when the last reference goes. A pooled or adaptive arena would serve allocations
   * faster, but objects here live for minutes to hours and die in the order eviction picks, which leaves
   * pooled chunks partly used and the real footprint above the bound; allocation happens once per miss,
   * so its speed hardly matters. Netty counts these buffers against io.netty.maxDirectMemory (by default
   * -XX:MaxDirectMemorySize, by default the heap size): EdgeServer checks the cache fits at start-up.
   *
   * References: the index holds one reference per entry, dropped by the removal listener (eviction,
   * invalidation, replacement, close). acquire() takes one with tryRetain, so a lookup racing an eviction
   * either gets a live object or a miss (see CachedObject).
   *
   * [1] Einziger, Friedman, Manes. TinyLFU: A Highly Efficient Cache Admission Policy. ACM ToS 2017.
   */
  private final Cache<String, CachedObject> index;
  private final long maxBytes;
  private final long maxObjectBytes;
  private final UnpooledByteBufAllocator bodies = new UnpooledByteBufAllocator(true, false, true);
  private final AtomicLong liveBuffers = new AtomicLong();
  private final Runnable onFree = liveBuffers::decrementAndGet;
  private final AtomicLong filling = new AtomicLong();
  private final long fillLimit;
  private final Admission admission;
  private final @Nullable AdmissionFilter filter; // null for TINYLFU

  /** A cache with Caffeine's admission alone ({@link Admission#TINYLFU}). */
  public EdgeCache(long maxBytes, long maxObjectBytes) {
    this(maxBytes, maxObjectBytes, Admission.TINYLFU);
  }

  public EdgeCache(long maxBytes, long maxObjectBytes, Admission admission) {
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: >= 0)");
    }
    if (maxObjectBytes < 0 || maxObjectBytes > Integer.MAX_VALUE - 4096) {
      throw new IllegalArgumentException(
          "maxObjectBytes: "
              + maxObjectBytes
              + " (expected: 0.."
              + (Integer.MAX_VALUE - 4096)
              + ")");
    }
    this.maxBytes = maxBytes;
    this.maxObjectBytes = maxObjectBytes;
    this.fillLimit = Math.max(maxObjectBytes, maxBytes / 4);
    this.admission = java.util.Objects.requireNonNull(admission, "admission");
    this.filter =
        admission == Admission.TINYLFU
            ? null
            : new AdmissionFilter(admission, Math.max(1, maxBytes));
    this.index =
        Caffeine.newBuilder()
            .maximumWeight(maxBytes)
            .weigher((String k, CachedObject v) -> v.weight())
            .executor(Runnable::run)
            .removalListener(
                (@Nullable String k,
                    @Nullable CachedObject v,
                    com.github.benmanes.caffeine.cache.RemovalCause cause) -> {
                  if (v != null) {
                    v.release();
                  }
                })
            .recordStats()
            .build();
  }

  /** The object stored under {@code key} with a reference the caller must release, or null. */
  public @Nullable CachedObject acquire(String key) {
    CachedObject found = index.getIfPresent(key);
    if (found == null || !found.tryRetain()) {
      return null;
    }
    if (filter != null) {
      filter.record(key, found.weight()); // a miss is counted once, when its fetch ends (admit)
    }
    return found;
  }

  /**
   * Whether an object with a body of this many bytes may be kept (else it is streamed, never
   * stored).
   */
  public boolean admissible(long bodyBytes) {
    return bodyBytes <= maxObjectBytes && bodyBytes + CachedObject.ENTRY_OVERHEAD <= maxBytes;
  }

  /**
   * Starts assembling an object of {@code bodyBytes} (admissible) in this cache's memory, or
   * returns null when objects being filled already hold a quarter of the cache (at least one
   * object's worth): a burst of slow misses must not reserve unbounded memory before any of it is
   * admitted. The caller then relays the object without storing it.
   */
  public CachedObject.@Nullable Builder tryBuilder(
      String contentType,
      String etag,
      String lastModified,
      String cacheControl,
      @Nullable String vary,
      int bodyBytes) {
    if (!admissible(bodyBytes)) {
      throw new IllegalArgumentException(
          "bodyBytes: " + bodyBytes + " (expected: <= " + maxObjectBytes + ")");
    }
    if (filling.addAndGet(bodyBytes) > fillLimit) {
      filling.addAndGet(-bodyBytes);
      return null;
    }
    liveBuffers.incrementAndGet();
    try {
      return new CachedObject.Builder(
          bodies,
          contentType,
          etag,
          lastModified,
          cacheControl,
          vary,
          bodyBytes,
          onFree,
          () -> filling.addAndGet(-bodyBytes));
    } catch (RuntimeException | Error e) {
      liveBuffers.decrementAndGet();
      filling.addAndGet(-bodyBytes);
      throw e;
    }
  }

  /** {@link #tryBuilder}, failing instead of returning null (tests). */
  public CachedObject.Builder builder(
      String contentType,
      String etag,
      String lastModified,
      String cacheControl,
      @Nullable String vary,
      int bodyBytes) {
    CachedObject.Builder b =
        tryBuilder(contentType, etag, lastModified, cacheControl, vary, bodyBytes);
    if (b == null) {
      throw new IllegalStateException(
          "objects being filled hold "
              + filling.get()
              + " bytes (expected: at most "
              + fillLimit
              + ")");
    }
    return b;
  }

  /** Body bytes reserved by objects being filled now. */
  public long fillingBytes() {
    return filling.get();
  }

  /**
   * Offers {@code object} to the index under {@code key}; the index takes its own reference (the
   * caller keeps its one). The policy may evict it at once if it is less popular than what it would
   * displace; with a filtering {@link Admission} it may also be refused outright (then false).
   */
  public boolean admit(String key, CachedObject object) {
    if (filter != null) {
      filter.record(key, object.weight());
      if (!filter.admits(key, object.weight(), index.policy().eviction().orElseThrow(), maxBytes)) {
        return false;
      }
    }
    index.put(key, object.retain());
    return true;
  }

  /**
   * Offers the representation {@code object} of {@code key} for one {@link AcceptClass} (its
   * response said {@code Vary: Accept}): stored under {@code accept.key(key)}, with a {@link
   * CachedObject#marker() marker} under {@code key} so that lookups of the plain key know to ask
   * for the class (docs/EDGE.md, "Format negotiation").
   */
  public boolean admitVarying(String key, AcceptClass accept, CachedObject object) {
    boolean admitted = admit(accept.key(key), object);
    if (admitted) {
      CachedObject present = index.getIfPresent(key);
      if (present == null || !present.marker()) {
        index.put(
            key,
            CachedObject.newMarker(
                key)); // the marker bypasses the filter: without it the body is unreachable
      }
    }
    return admitted;
  }

  /**
   * The object to answer a request for {@code key} with: the plain entry, or when that is a marker,
   * the representation for the request's Accept header (parsed only then). With a reference the
   * caller must release, or null.
   */
  public @Nullable CachedObject acquire(String key, CharSequence acceptHeader) {
    CachedObject found = acquire(key);
    if (found == null || !found.marker()) {
      return found;
    }
    String representation = found.representationKey(AcceptClass.of(acceptHeader));
    found.release();
    return acquire(representation);
  }

  /** Whether {@code key} is in the index now, without counting a request (tests). */
  boolean holds(String key) {
    return index.asMap().containsKey(key);
  }

  /** The filter of a filtering admission policy, else null (tests). */
  @Nullable AdmissionFilter admissionFilter() {
    return filter;
  }

  /** The admission policy in front of the index. */
  public Admission admission() {
    return admission;
  }

  public void invalidate(String key) {
    index.invalidate(key);
  }

  /**
   * Removes every entry whose key passes {@code test}: one scan of the index (admin purges only).
   */
  public int invalidateIf(java.util.function.Predicate<String> test) {
    List<String> keys = index.asMap().keySet().stream().filter(test).toList();
    index.invalidateAll(keys);
    return keys.size();
  }

  public void invalidateAll() {
    index.invalidateAll();
    index.cleanUp();
  }

  /** Bytes charged to the index now (bodies, heads and per-entry overhead). */
  public long weightedBytes() {
    return index.policy().eviction().map(e -> e.weightedSize().orElse(0L)).orElse(0L);
  }

  public long objects() {
    return index.estimatedSize();
  }

  /** Body buffers allocated and not yet freed: in the index, being written, or being filled. */
  public long liveBuffers() {
    return liveBuffers.get();
  }

  /** Off-heap bytes of those buffers. */
  public long liveBytes() {
    return bodies.metric().usedDirectMemory();
  }

  public long maxBytes() {
    return maxBytes;
  }

  public long maxObjectBytes() {
    return maxObjectBytes;
  }

  /** The allocator of body buffers (tests and diagnostics). */
  ByteBufAllocator allocator() {
    return bodies;
  }

  /** Runs pending maintenance (evictions) now. */
  public void cleanUp() {
    index.cleanUp();
  }

  public void bindMetrics(MeterRegistry registry) {
    Gauge.builder("imgcdn.cache.bytes", this, EdgeCache::weightedBytes)
        .description("Bytes held by the memory cache")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("imgcdn.cache.max.bytes", this, EdgeCache::maxBytes)
        .description("Configured bound of the memory cache")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("imgcdn.cache.objects", this, EdgeCache::objects)
        .description("Objects in the memory cache")
        .register(registry);
    Gauge.builder("imgcdn.cache.offheap.bytes", this, EdgeCache::liveBytes)
        .description("Off-heap bytes of live body buffers (cached, being written or filled)")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("imgcdn.cache.offheap.buffers", this, EdgeCache::liveBuffers)
        .description("Live body buffers")
        .register(registry);
    FunctionCounter.builder("imgcdn.cache.evictions", index, c -> c.stats().evictionCount())
        .description("Objects evicted")
        .register(registry);
    if (filter != null && filter.judge() != null) {
      MemoryJudge judge = filter.judge();
      Gauge.builder("imgcdn.cache.admission.long.memory", judge, j -> j.trustsLongMemory() ? 1 : 0)
          .description(
              "1 while the adaptive admission filter trusts its long memory, 0 while W-TinyLFU"
                  + " decides alone")
          .register(registry);
    }
  }

  /**
   * Empties the index, releasing its references; bodies still being written are freed when done.
   */
  @Override
  public void close() {
    invalidateAll();
  }
}
