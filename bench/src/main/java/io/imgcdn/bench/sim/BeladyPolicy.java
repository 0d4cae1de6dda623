package io.imgcdn.bench.sim;

import io.imgcdn.bench.workload.Trace;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.TreeSet;

/**
 * Belady's offline policy with bypass, for variable sizes: it knows the whole trace and evicts the
 * objects whose next request is furthest away. A reference that online policies rarely reach, not
 * an exact optimum (see below).
 */
public final class BeladyPolicy implements CachePolicy {

  /*
   * For equal sizes, evicting the object reused furthest in the future is optimal [1]. With variable
   * sizes exact optimal caching is NP-hard [2]; the usual approximation, used here, still evicts by
   * furthest next use. Being a feasible schedule, it hits at most as often as the true optimum, and it
   * is not an upper bound for other policies either: it ignores that evicting one large object can make
   * room for several small ones, so a size-aware policy can beat it, above all on object hit ratio.
   * [2] gives tighter bounds (FOO, PFOO) for the day we want them.
   *
   * Bypass: a missed object is admitted only if that does not need evicting anything that will be
   * requested before it. Concretely, at request i for object o (size s, next request n):
   *   - never requested again (n = infinity): not admitted;
   *   - fits in the free space: admitted;
   *   - else walk the cached objects from the furthest next use down while their next use is after n,
   *     collecting victims; if they free enough, evict them and admit o, else change nothing.
   * Ties cannot occur: two cached objects never share a next-use position, and objects never requested
   * again are ordered by object number.
   *
   * Next uses are precomputed in one backward pass (int per request); the cache is a TreeSet of
   * (next use, object) packed into a long, so each request costs O(log cached) plus the victims it frees.
   *
   * [1] L. A. Belady. A study of replacement algorithms for a virtual-storage computer. IBM Systems
   *     Journal 5(2), 1966.
   * [2] D. S. Berger, N. Beckmann, M. Harchol-Balter. Practical Bounds on Optimal Caching with Variable
   *     Object Sizes. SIGMETRICS 2018.
   */

  private static final long NEVER = Integer.MAX_VALUE;

  private final Trace trace;
  private final long capacity;
  private final int[] nextUse;
  private final long[] cachedNextUse;
  private final TreeSet<Long> byNextUse = new TreeSet<>();
  private final List<Long> victims = new ArrayList<>();
  private long used;
  private int position;

  public BeladyPolicy(Trace trace, long capacityBytes) {
    if (capacityBytes <= 0) {
      throw new IllegalArgumentException("capacityBytes: " + capacityBytes + " (expected: > 0)");
    }
    this.trace = trace;
    this.capacity = capacityBytes;
    this.nextUse = new int[trace.length()];
    int[] last = new int[trace.objectCount()];
    Arrays.fill(last, Integer.MAX_VALUE);
    for (int i = trace.length() - 1; i >= 0; i--) {
      int o = trace.objectAt(i);
      nextUse[i] = last[o];
      last[o] = i;
    }
    this.cachedNextUse = new long[trace.objectCount()];
    Arrays.fill(cachedNextUse, -1);
  }

  @Override
  public boolean access(int object, long size) {
    if (position >= trace.length() || trace.objectAt(position) != object) {
      throw new IllegalStateException(
          "request "
              + position
              + ": object "
              + object
              + " (expected: the trace's "
              + (position < trace.length() ? "object " + trace.objectAt(position) : "end")
              + ")");
    }
    long next = nextUse[position++];
    if (cachedNextUse[object] >= 0) {
      byNextUse.remove(pack(cachedNextUse[object], object));
      cachedNextUse[object] = next;
      byNextUse.add(pack(next, object));
      return true;
    }
    if (next == NEVER || size > capacity) {
      return false;
    }
    if (used + size > capacity) {
      victims.clear();
      long freed = 0;
      Iterator<Long> furthest = byNextUse.descendingIterator();
      while (used - freed + size > capacity && furthest.hasNext()) {
        long v = furthest.next();
        if ((v >>> 32) <= next) {
          break;
        }
        victims.add(v);
        freed += trace.size((int) v);
      }
      if (used - freed + size > capacity) {
        return false;
      }
      for (long v : victims) {
        byNextUse.remove(v);
        cachedNextUse[(int) v] = -1;
      }
      used -= freed;
    }
    cachedNextUse[object] = next;
    byNextUse.add(pack(next, object));
    used += size;
    return false;
  }

  @Override
  public long usedBytes() {
    return used;
  }

  private static long pack(long next, int object) {
    return next << 32 | object;
  }
}
