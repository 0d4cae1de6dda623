package io.imgcdn.bench.sim;

import io.imgcdn.bench.workload.Trace;
import io.imgcdn.edge.cache.Admission;
import io.imgcdn.edge.cache.CachedObject;
import io.imgcdn.edge.cache.EdgeCache;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * The edge's own memory cache under simulation: a real {@link EdgeCache} (its Caffeine index,
 * weigher, admission filter and object bound), fed objects with real off-heap bodies, keyed by the
 * trace's paths.
 */
public final class EdgeCachePolicy implements CachePolicy, AutoCloseable {

  /*
   * What a replay drives is exactly what a serving edge runs: acquire(path) on every request (a hit
   * releases its reference at once), and on a miss a builder of the object's size, its body appended from
   * a shared zero buffer, build, admit, release, as ShardFetch does. Objects above the edge's default
   * edge.cache.max-object-bytes (4 MiB) are never stored, as on the edge. The weight of an entry is the
   * edge's: body + encoded head (~150 bytes here) + 256 bytes of per-entry overhead, so at the same
   * capacity the edge holds a little less than a policy that counts body bytes only.
   *
   * Bodies are allocated off-heap like the edge's: run with -XX:MaxDirectMemorySize above the largest
   * capacity simulated. Caffeine's 1-in-128 random admission makes replays differ slightly.
   */
  private static final long MAX_OBJECT_BYTES = 4L << 20;
  private static final ByteBuf ZEROS =
      Unpooled.unreleasableBuffer(Unpooled.directBuffer(1 << 20).writeZero(1 << 20));

  private final Trace trace;
  private final EdgeCache cache;

  public EdgeCachePolicy(Trace trace, long capacityBytes, Admission admission) {
    this.trace = trace;
    this.cache = new EdgeCache(capacityBytes, MAX_OBJECT_BYTES, admission);
  }

  @Override
  public boolean access(int object, long size) {
    String key = trace.path(object);
    CachedObject hit = cache.acquire(key);
    if (hit != null) {
      hit.release();
      return true;
    }
    if (!cache.admissible(size)) {
      return false;
    }
    CachedObject.Builder b =
        cache.builder(
            "image/jpeg",
            "\"" + Integer.toHexString(object) + "\"",
            "",
            "public, max-age=31536000, immutable",
            null,
            Math.toIntExact(size));
    for (long left = size; left > 0; left -= ZEROS.capacity()) {
      b.append(ZEROS.slice(0, (int) Math.min(left, ZEROS.capacity())));
    }
    CachedObject o = b.build("shard-1;hit");
    cache.admit(key, o);
    o.release();
    return false;
  }

  @Override
  public long usedBytes() {
    cache.cleanUp();
    return cache.weightedBytes();
  }

  @Override
  public void close() {
    cache.close();
  }
}
