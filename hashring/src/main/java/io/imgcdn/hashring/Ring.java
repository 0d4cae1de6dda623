package io.imgcdn.hashring;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.function.IntPredicate;
import java.util.zip.CRC32;

/**
 * A consistent-hashing ring with virtual nodes: {@link Placement#KETAMA} and {@link
 * Placement#NGINX}.
 */
final class Ring extends AbstractLocator {

  /*
   * The ring of Karger et al. [1] with virtual nodes as in libketama [2]: every member gets
   * POINTS_PER_WEIGHT x weight points on a circle and a key belongs to the first point at or after
   * its hash, wrapping around. A member's points depend on nothing but the member itself, so adding a
   * member moves only the keys that now fall on its points, and removing one moves only its own keys,
   * each to the next point clockwise. That successor is also what a lookup that skips a down member
   * returns, so skipping a node equals rebuilding without it.
   *
   * KETAMA: point i of a member is xxHash64(UTF-8 id, seed = i) on a 64-bit circle; keys are placed by
   * xxHash64(key). NGINX: the layout of nginx's `hash $key consistent` [3] (ngx_http_upstream_hash
   * module, init_chash), so that imgcdn edges and nginx front ends agree on owners: a 32-bit circle;
   * for a member at "host:port", base = CRC32 state over host, one NUL byte, port; point j is that
   * state continued with the previous point's 4 little-endian bytes (0 for j = 0) and finalised;
   * points sorted, equal points dropped but the first; keys placed by CRC32(key). nginx breaks ties
   * between equal points by its configuration order (glibc's qsort is a stable merge sort); we
   * generate points in ascending address order, so list the upstream servers in that order for the
   * rare collision points (about 0.5% chance of one among 6,400 points) to agree too. 32-bit points
   * are stored as (crc << 32) ^ Long.MIN_VALUE, which keeps their unsigned order in signed longs, so
   * both layouts share one lookup.
   *
   * Balance is the weak side: a member's share is a sum of 160 random arcs, about 1/sqrt(160) ~ 8%
   * relative standard deviation, so the busiest of 100 members carries ~1.2x the mean. That is why
   * placements with better balance exist next to this one.
   *
   * Layout: points sorted as signed longs in one long[] and the owning member index in a parallel
   * int[], 12 bytes per point. Lookup is a binary search narrowed by an index of the top hash bits
   * (about two points per bucket), so a lookup touches two or three cache lines instead of ~17 at
   * 160,000 points.
   *
   * [1] D. Karger, E. Lehman, T. Leighton, R. Panigrahy, M. Levine, D. Lewin, "Consistent Hashing and
   *     Random Trees: Distributed Caching Protocols for Relieving Hot Spots on the World Wide Web",
   *     STOC 1997.
   * [2] R. Jones, "libketama: consistent hashing library for memcache clients", last.fm, 2007.
   * [3] nginx, src/http/modules/ngx_http_upstream_hash_module.c, ngx_http_upstream_init_chash
   *     (since 1.7.2); the point hash is compatible with Cache::Memcached::Fast.
   */

  static final int POINTS_PER_WEIGHT = 160;

  /** At 12 bytes a point, 2^25 points is 400 MB: past that the configuration is a mistake. */
  static final long MAX_POINTS = 1L << 25;

  private final Placement placement;
  private final long[] points;
  private final int[] owners;

  /** bucketStart[b] = index of the first point whose bucket is >= b; one extra entry at the end. */
  private final int[] bucketStart;

  private final int shift;

  private Ring(Placement placement, Node[] sortedNodes, long[] points, int[] owners) {
    super(sortedNodes);
    this.placement = placement;
    this.points = points;
    this.owners = owners;
    int bits =
        Math.max(1, Math.min(24, 64 - Long.numberOfLeadingZeros(Math.max(1, points.length / 2))));
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

  static Ring ketama(Node[] sortedNodes) {
    int total = totalPoints(Placement.KETAMA, sortedNodes);
    long[] points = new long[total];
    int[] owners = new int[total];
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
    return new Ring(Placement.KETAMA, sortedNodes, points, owners);
  }

  static Ring nginx(Node[] sortedNodes) {
    int total = totalPoints(Placement.NGINX, sortedNodes);
    long[] points = new long[total];
    int[] owners = new int[total];
    Integer[] byAddress = new Integer[sortedNodes.length];
    for (int j = 0; j < byAddress.length; j++) {
      byAddress[j] = j;
    }
    // Stable: equal addresses (allowed, if odd) keep id order.
    Arrays.sort(byAddress, Comparator.comparing(j -> sortedNodes[j].address()));
    CRC32 crc = new CRC32();
    int p = 0;
    for (int j : byAddress) {
      String address = sortedNodes[j].address();
      int colon = address.lastIndexOf(':'); // Node guarantees host:port with a numeric port
      byte[] host = address.substring(0, colon).getBytes(StandardCharsets.UTF_8);
      byte[] port = address.substring(colon + 1).getBytes(StandardCharsets.UTF_8);
      byte[] prev = new byte[4];
      int count = POINTS_PER_WEIGHT * sortedNodes[j].weight();
      for (int i = 0; i < count; i++) {
        crc.reset();
        crc.update(host);
        crc.update(0);
        crc.update(port);
        crc.update(prev);
        long hash = crc.getValue();
        points[p] = nginxPoint(hash);
        owners[p] = j;
        p++;
        prev[0] = (byte) hash;
        prev[1] = (byte) (hash >>> 8);
        prev[2] = (byte) (hash >>> 16);
        prev[3] = (byte) (hash >>> 24);
      }
    }
    PairSort.sort(points, owners);
    // nginx keeps only the first of equal points.
    int kept = points.length == 0 ? 0 : 1;
    for (int i = 1; i < points.length; i++) {
      if (points[i] != points[kept - 1]) {
        points[kept] = points[i];
        owners[kept] = owners[i];
        kept++;
      }
    }
    return new Ring(
        Placement.NGINX, sortedNodes, Arrays.copyOf(points, kept), Arrays.copyOf(owners, kept));
  }

  /** A 32-bit CRC as a point on the 64-bit circle, keeping unsigned 32-bit order. */
  static long nginxPoint(long crc32) {
    return (crc32 << 32) ^ Long.MIN_VALUE;
  }

  private static int totalPoints(Placement placement, Node[] nodes) {
    long total = 0;
    for (Node node : nodes) {
      total += (long) POINTS_PER_WEIGHT * node.weight();
    }
    if (total > MAX_POINTS) {
      throw new IllegalArgumentException(
          "total weight: "
              + total / POINTS_PER_WEIGHT
              + " (expected: <= "
              + MAX_POINTS / POINTS_PER_WEIGHT
              + " for "
              + placement
              + ")");
    }
    return (int) total;
  }

  private int bucketOf(long hash) {
    return (int) ((hash ^ Long.MIN_VALUE) >>> shift);
  }

  @Override
  public Placement placement() {
    return placement;
  }

  @Override
  long keyHash(byte[] key) {
    if (placement == Placement.NGINX) {
      CRC32 crc = new CRC32();
      crc.update(key);
      return nginxPoint(crc.getValue());
    }
    return XxHash64.hash(key, 0);
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

  @Override
  double[] intrinsicShares() {
    double[] shares = new double[nodes.length];
    for (int i = 0; i < points.length; i++) {
      // Point i owns the arc (previous point, point i]; the first point's arc wraps around.
      long arc = points[i] - (i == 0 ? points[points.length - 1] : points[i - 1]);
      shares[owners[i]] += (arc == 0 && points.length == 1 ? 0x1p64 : unsigned(arc)) * 0x1p-64;
    }
    return shares;
  }

  private static double unsigned(long v) {
    return v >= 0 ? v : (v >>> 1) * 2.0 + (v & 1);
  }

  @Override
  long footprintBytes() {
    return 12L * points.length + 4L * bucketStart.length;
  }
}
