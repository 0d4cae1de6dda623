package io.imgcdn.hashring;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.IntPredicate;

/** A consistent-hashing ring with virtual nodes: {@link Placement#KETAMA}. */
final class KetamaRing extends AbstractLocator {

  /*
   * The ring of Karger et al. [1] with virtual nodes as in libketama [2]: every member gets
   * POINTS_PER_WEIGHT x weight points on a 64-bit circle and a key belongs to the first point at or
   * after its hash, wrapping around. Point i of a member is xxHash64(UTF-8 id, seed = i), so a
   * member's points depend on nothing but its own id: adding a member moves only the keys that now
   * fall on its points, and removing one moves only its own keys, each to the next point clockwise.
   * That successor is also what a lookup that skips a down member returns, so skipping a node equals
   * rebuilding without it.
   *
   * Balance is the weak side: a member's share is a sum of 160 random arcs, about 1/sqrt(160) ~ 8%
   * relative standard deviation, so the busiest of 100 members carries ~1.2x the mean. That is why
   * placements with better balance exist next to this one.
   *
   * Layout: points sorted as signed longs in one long[] and the owning member index in a parallel
   * int[], 12 bytes per point. Lookup is a binary search narrowed by a 2^b-entry index of the top
   * hash bits (about two points per bucket), so the search touches one or two cache lines.
   *
   * [1] D. Karger, E. Lehman, T. Leighton, R. Panigrahy, M. Levine, D. Lewin, "Consistent Hashing and
   *     Random Trees: Distributed Caching Protocols for Relieving Hot Spots on the World Wide Web",
   *     STOC 1997.
   * [2] R. Jones, "libketama: consistent hashing library for memcache clients", last.fm, 2007.
   */

  static final int POINTS_PER_WEIGHT = 160;
  /** At 12 bytes a point, 2^25 points is 400 MB: past that the configuration is a mistake. */
  static final long MAX_POINTS = 1L << 25;

  private final long[] points;
  private final int[] owners;
  /** bucketStart[b] = first point index whose top `bits` bits (unsigned order) are >= b. */
  private final int[] bucketStart;
  private final int shift;

  KetamaRing(Node[] sortedNodes) {
    super(sortedNodes);
    long total = 0;
    for (Node node : sortedNodes) {
      total += (long) POINTS_PER_WEIGHT * node.weight();
    }
    if (total > MAX_POINTS) {
      throw new IllegalArgumentException("total weight: " + total / POINTS_PER_WEIGHT
          + " (expected: <= " + MAX_POINTS / POINTS_PER_WEIGHT + " for " + Placement.KETAMA + ")");
    }
    points = new long[(int) total];
    owners = new int[(int) total];
    int p = 0;
    for (int j = 0; j < sortedNodes.length; j++) {
      byte[] id = sortedNodes[j].id().getBytes(StandardCharsets.UTF_8);
      int count = POINTS_PER_WEIGHT * sortedNodes[j].weight();
      for (int i = 0; i < count; i++) {
        points[p] = XxHash64.hash(id, i);
        owners[p] = j;
        p++;
      }
    }
    PairSort.sort(points, owners);
    // Index by the top bits in *signed* order: bucket b covers hashes whose (top bits ^ sign) == b.
    int bits = Math.max(1, Math.min(24, 64 - Long.numberOfLeadingZeros(Math.max(1, total / 2)) ));
    shift = 64 - bits;
    bucketStart = new int[(1 << bits) + 1];
    int b = 0;
    for (int i = 0; i < points.length; i++) {
      int bucket = bucketOf(points[i]);
      while (b <= bucket) {
        bucketStart[b++] = i;
      }
    }
    while (b < bucketStart.length) {
      bucketStart[b++] = points.length;
    }
  }

  private int bucketOf(long hash) {
    return (int) ((hash ^ Long.MIN_VALUE) >>> shift);
  }

  @Override
  public Placement placement() {
    return Placement.KETAMA;
  }

  /** Index of the first point >= hash, wrapping to 0 past the last point. */
  private int firstPoint(long hash) {
    int bucket = bucketOf(hash);
    int lo = bucketStart[bucket];
    int hi = bucketStart[bucket + 1];
    int i = Arrays.binarySearch(points, lo, hi, hash);
    if (i < 0) {
      i = -i - 1;
    } else {
      while (i > lo && points[i - 1] == hash) {
        i--; // equal points: the first one, so owner and candidates agree
      }
    }
    return i == points.length ? 0 : i;
  }

  @Override
  int ownerIndex(long hash) {
    return owners[firstPoint(hash)];
  }

  @Override
  int search(long hash, IntPredicate stop) {
    int start = firstPoint(hash);
    int first = owners[start];
    if (stop.test(first)) {
      return first;
    }
    long[] seen = new long[(nodes.length + 63) >>> 6];
    seen[first >>> 6] |= 1L << first;
    int remaining = nodes.length - 1;
    int len = points.length;
    for (int step = 1; step < len && remaining > 0; step++) {
      int i = start + step;
      int owner = owners[i >= len ? i - len : i];
      long bit = 1L << owner;
      if ((seen[owner >>> 6] & bit) == 0) {
        seen[owner >>> 6] |= bit;
        remaining--;
        if (stop.test(owner)) {
          return owner;
        }
      }
    }
    return -1;
  }

  /** Bytes held by this snapshot's arrays (for the memory-per-node figure). */
  long footprintBytes() {
    return 12L * points.length + 4L * bucketStart.length;
  }
}
