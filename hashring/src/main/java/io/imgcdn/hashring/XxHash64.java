package io.imgcdn.hashring;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** xxHash64 (XXH64), the fixed 64-bit hash every node uses to place keys and nodes. */
final class XxHash64 {

  /*
   * XXH64 as specified in [1], bit for bit: the same input and seed give the same value on every JVM,
   * every node and every release, which is what lets edges agree on owners without talking to each
   * other. Guava's goodFastHash is seeded per process and so unusable here; String.hashCode is only
   * 32 bits and clusters on similar URLs. XXH64 passes SMHasher, needs no table, and on the 60-byte
   * URLs we hash costs about as much as one cache miss. The golden values in XxHash64Test were taken
   * from the reference implementation's `xxhsum -H64`.
   *
   * [1] Y. Collet, "xxHash fast digest algorithm", XXH64 specification v0.1.1,
   *     https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md
   */

  private static final long P1 = 0x9E3779B185EBCA87L;
  private static final long P2 = 0xC2B2AE3D27D4EB4FL;
  private static final long P3 = 0x165667B19E3779F9L;
  private static final long P4 = 0x85EBCA77C2B2AE63L;
  private static final long P5 = 0x27D4EB2F165667C5L;

  private static final VarHandle LONG_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT_LE =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private XxHash64() {}

  static long hash(byte[] input, long seed) {
    return hash(input, 0, input.length, seed);
  }

  static long hash(byte[] in, int off, int len, long seed) {
    int end = off + len;
    int p = off;
    long h;
    if (len >= 32) {
      long v1 = seed + P1 + P2;
      long v2 = seed + P2;
      long v3 = seed;
      long v4 = seed - P1;
      int limit = end - 32;
      do {
        v1 = round(v1, (long) LONG_LE.get(in, p));
        v2 = round(v2, (long) LONG_LE.get(in, p + 8));
        v3 = round(v3, (long) LONG_LE.get(in, p + 16));
        v4 = round(v4, (long) LONG_LE.get(in, p + 24));
        p += 32;
      } while (p <= limit);
      h =
          Long.rotateLeft(v1, 1)
              + Long.rotateLeft(v2, 7)
              + Long.rotateLeft(v3, 12)
              + Long.rotateLeft(v4, 18);
      h = mergeRound(h, v1);
      h = mergeRound(h, v2);
      h = mergeRound(h, v3);
      h = mergeRound(h, v4);
    } else {
      h = seed + P5;
    }
    h += len;
    while (p + 8 <= end) {
      h ^= round(0, (long) LONG_LE.get(in, p));
      h = Long.rotateLeft(h, 27) * P1 + P4;
      p += 8;
    }
    if (p + 4 <= end) {
      h ^= ((int) INT_LE.get(in, p) & 0xFFFF_FFFFL) * P1;
      h = Long.rotateLeft(h, 23) * P2 + P3;
      p += 4;
    }
    while (p < end) {
      h ^= (in[p] & 0xFFL) * P5;
      h = Long.rotateLeft(h, 11) * P1;
      p++;
    }
    return avalanche(h);
  }

  /** XXH64 of one 64-bit value (its 8 little-endian bytes), without allocating. */
  static long hashLong(long value, long seed) {
    long h = seed + P5 + 8;
    h ^= round(0, value);
    h = Long.rotateLeft(h, 27) * P1 + P4;
    return avalanche(h);
  }

  private static long round(long acc, long lane) {
    acc += lane * P2;
    acc = Long.rotateLeft(acc, 31);
    return acc * P1;
  }

  private static long mergeRound(long acc, long v) {
    acc ^= round(0, v);
    return acc * P1 + P4;
  }

  private static long avalanche(long h) {
    h ^= h >>> 33;
    h *= P2;
    h ^= h >>> 29;
    h *= P3;
    h ^= h >>> 32;
    return h;
  }
}
