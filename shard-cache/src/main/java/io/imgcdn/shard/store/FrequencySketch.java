package io.imgcdn.shard.store;

/**
 * An approximate, aging count of how often each key was asked for, in 4-bit counters (0..15).
 * Thread-safe without locks: a lost increment under a race only makes an estimate one lower.
 */
final class FrequencySketch {

  /*
   * A Count-Min sketch [1] with 4-bit counters and periodic halving, as in TinyLFU [2] and Caffeine's
   * FrequencySketch: depth 4, each row a long[] of 16 counters per word; an item's estimate is the
   * minimum of its four counters. After `sampleSize` increments (10 x the expected number of cached
   * objects) every counter is halved, so popularity from long ago fades and the sketch follows the
   * workload. The store uses it to refuse admission to one-hit wonders (an object is written to the SSD
   * only from its second request on) and to judge whether a hit object is worth rewriting before FIFO
   * drops it.
   *
   * The four row indexes come from one 64-bit hash of the key (the key's own 64-bit mix, re-mixed per
   * row with distinct odd constants), so the caller hashes the key bytes once.
   *
   * [1] G. Cormode, S. Muthukrishnan. An Improved Data Stream Summary: The Count-Min Sketch and its
   *     Applications. J. Algorithms 55(1), 2005.
   * [2] G. Einziger, R. Friedman, B. Manes. TinyLFU: A Highly Efficient Cache Admission Policy.
   *     ACM Transactions on Storage 13(4), 2017.
   */

  private static final long[] SEEDS = {
    0x9E3779B97F4A7C15L, 0xC2B2AE3D27D4EB4FL, 0x165667B19E3779F9L, 0xD6E8FEB86659FD93L
  };
  private static final long RESET_MASK = 0x7777_7777_7777_7777L;

  private final long[][] rows;
  private final int wordMask;
  private final int sampleSize;
  private int additions;

  /**
   * @param expectedItems about how many distinct keys the store holds (sizes the sketch)
   */
  FrequencySketch(long expectedItems) {
    if (expectedItems < 1) {
      throw new IllegalArgumentException("expectedItems: " + expectedItems + " (expected: >= 1)");
    }
    // One 4-bit counter per expected item per row: expectedItems / 16 words, a power of two.
    int words = Integer.highestOneBit(Math.clamp(expectedItems / 16, 16, 1 << 24));
    if (words < expectedItems / 16 && words < (1 << 24)) {
      words <<= 1;
    }
    this.rows = new long[4][words];
    this.wordMask = words - 1;
    this.sampleSize = (int) Math.min(10L * Math.max(expectedItems, 16), Integer.MAX_VALUE / 2);
  }

  /** The estimated number of recent requests for the key with this hash, 0..15. */
  int frequency(long keyHash) {
    int min = 15;
    for (int row = 0; row < 4; row++) {
      long mixed = mix(keyHash, row);
      int word = (int) (mixed >>> 32) & wordMask;
      int shift = ((int) mixed & 15) << 2;
      min = Math.min(min, (int) ((rows[row][word] >>> shift) & 0xF));
    }
    return min;
  }

  /** Counts one request for the key with this hash. */
  void increment(long keyHash) {
    boolean added = false;
    for (int row = 0; row < 4; row++) {
      long mixed = mix(keyHash, row);
      int word = (int) (mixed >>> 32) & wordMask;
      int shift = ((int) mixed & 15) << 2;
      long value = rows[row][word];
      if (((value >>> shift) & 0xF) != 0xF) {
        rows[row][word] = value + (1L << shift);
        added = true;
      }
    }
    if (added && ++additions >= sampleSize) {
      halve();
    }
  }

  private synchronized void halve() {
    if (additions < sampleSize) {
      return;
    }
    for (long[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        row[i] = (row[i] >>> 1) & RESET_MASK;
      }
    }
    additions = additions / 2;
  }

  /** A 64-bit hash of key bytes (FNV-1a folded through a murmur3 finaliser). */
  static long hash(byte[] key) {
    long h = 0xCBF29CE484222325L;
    for (byte b : key) {
      h = (h ^ (b & 0xFF)) * 0x100000001B3L;
    }
    return fmix(h);
  }

  private static long mix(long hash, int row) {
    return fmix(hash * SEEDS[row] + row);
  }

  private static long fmix(long h) {
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    h *= 0xC4CEB9FE1A85EC53L;
    h ^= h >>> 33;
    return h;
  }
}
