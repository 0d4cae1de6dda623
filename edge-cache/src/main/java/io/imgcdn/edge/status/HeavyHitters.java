package io.imgcdn.edge.status;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The most frequent keys of a stream in bounded memory: a Space-Saving summary of {@code capacity}
 * counters, each with a request count, the count's possible overestimate and a byte total. Not
 * thread-safe: one writer, or callers that lock.
 */
final class HeavyHitters {
  /*
   * Space-Saving [1]: a key that is monitored has its counter incremented; an unmonitored key takes over
   * the counter with the smallest count c, starts at c + 1 and records c as its error. Every key whose
   * true frequency exceeds n / capacity is monitored, and a counter's count never underestimates its key
   * (count - error <= true <= count). Bytes are what was seen while the key was monitored: a lower bound.
   *
   * The "Stream-Summary" layout of [1] makes each update O(1) without allocation: counters with the same
   * count share a bucket; buckets form a list in ascending count order, so the minimum is the head, and a
   * unit increment moves a counter to the bucket right after its own (or creates it there, or bumps its
   * bucket in place when the counter is alone). Everything lives in int/long arrays sized at construction;
   * keys are found through an open-addressed table (linear probing, backward-shift deletion).
   *
   * [1] A. Metwally, D. Agrawal, A. El Abbadi, "Efficient Computation of Frequent and Top-k Elements in
   *     Data Streams", ICDT 2005.
   */
  /** One monitored key. {@code count - error} is a guaranteed lower bound on its requests. */
  record Entry(String key, long count, long error, long bytes) {}

  private static final int NONE = -1;

  private final int capacity;
  private final String[] keys;
  private final long[] errors;
  private final long[] bytes;
  private final int[] bucketOf;
  private final int[] nextInBucket;
  private final int[] prevInBucket;
  private final long[] bucketCount;
  private final int[] bucketFirst;
  private final int[] bucketNext;
  private final int[] bucketPrev;
  private final int[] freeBuckets;
  private int freeBucketCount;
  private final int[] table;
  private final int mask;
  private int size;
  private int minBucket = NONE;
  private long total;

  HeavyHitters(int capacity) {
    if (capacity < 1 || capacity > 1 << 20) {
      throw new IllegalArgumentException("capacity: " + capacity + " (expected: 1..1048576)");
    }
    this.capacity = capacity;
    keys = new String[capacity];
    errors = new long[capacity];
    bytes = new long[capacity];
    bucketOf = new int[capacity];
    nextInBucket = new int[capacity];
    prevInBucket = new int[capacity];
    // An increment may create a bucket before it frees the old one: one more than the counters.
    int buckets = capacity + 1;
    bucketCount = new long[buckets];
    bucketFirst = new int[buckets];
    bucketNext = new int[buckets];
    bucketPrev = new int[buckets];
    freeBuckets = new int[buckets];
    table = new int[Integer.highestOneBit(capacity * 2 - 1) << 1]; // >= 2 x capacity: short probes
    mask = table.length - 1;
    clear();
  }

  int capacity() {
    return capacity;
  }

  /** Requests counted since the last {@link #clear}. */
  long total() {
    return total;
  }

  /** Counts one request for {@code key} that sent {@code sentBytes}. */
  void add(String key, long sentBytes) {
    total++;
    int i = find(key);
    if (i == NONE) {
      if (size < capacity) {
        i = size++;
        keys[i] = key;
        errors[i] = 0;
        bytes[i] = 0;
        insertIntoTable(i);
        attachNew(i);
        bytes[i] += sentBytes;
        return;
      }
      i = bucketFirst[minBucket];
      removeFromTable(keys[i]);
      keys[i] = key;
      errors[i] = bucketCount[minBucket];
      bytes[i] = 0;
      insertIntoTable(i);
    }
    increment(i);
    bytes[i] += sentBytes;
  }

  /** Forgets every key (a new window). */
  void clear() {
    Arrays.fill(table, 0);
    Arrays.fill(keys, null);
    size = 0;
    total = 0;
    minBucket = NONE;
    freeBucketCount = freeBuckets.length;
    for (int b = 0; b < freeBuckets.length; b++) {
      freeBuckets[b] = b;
    }
  }

  /** The monitored keys, most requested first (allocates: for readers, not the request path). */
  List<Entry> entries() {
    List<Entry> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      out.add(new Entry(keys[i], bucketCount[bucketOf[i]], errors[i], bytes[i]));
    }
    out.sort((a, b) -> Long.compare(b.count(), a.count()));
    return out;
  }

  // Buckets.

  /** Puts new counter {@code i} at count 1: into the head bucket if it holds 1, else a new head. */
  private void attachNew(int i) {
    if (minBucket != NONE && bucketCount[minBucket] == 1) {
      link(i, minBucket);
      return;
    }
    int b = newBucket(1);
    bucketPrev[b] = NONE;
    bucketNext[b] = minBucket;
    if (minBucket != NONE) {
      bucketPrev[minBucket] = b;
    }
    minBucket = b;
    link(i, b);
  }

  private void increment(int i) {
    int b = bucketOf[i];
    long c = bucketCount[b] + 1;
    int next = bucketNext[b];
    if (next != NONE && bucketCount[next] == c) {
      unlink(i);
      link(i, next);
      freeIfEmpty(b);
    } else if (bucketFirst[b] == i && nextInBucket[i] == NONE) {
      bucketCount[b] = c; // alone in its bucket, and no bucket holds c yet: bump in place
    } else {
      int nb = newBucket(c);
      bucketPrev[nb] = b;
      bucketNext[nb] = next;
      bucketNext[b] = nb;
      if (next != NONE) {
        bucketPrev[next] = nb;
      }
      unlink(i);
      link(i, nb);
    }
  }

  private int newBucket(long count) {
    int b = freeBuckets[--freeBucketCount];
    bucketCount[b] = count;
    bucketFirst[b] = NONE;
    return b;
  }

  private void freeIfEmpty(int b) {
    if (bucketFirst[b] != NONE) {
      return;
    }
    int prev = bucketPrev[b];
    int next = bucketNext[b];
    if (prev != NONE) {
      bucketNext[prev] = next;
    } else {
      minBucket = next;
    }
    if (next != NONE) {
      bucketPrev[next] = prev;
    }
    freeBuckets[freeBucketCount++] = b;
  }

  private void link(int i, int b) {
    int first = bucketFirst[b];
    nextInBucket[i] = first;
    prevInBucket[i] = NONE;
    if (first != NONE) {
      prevInBucket[first] = i;
    }
    bucketFirst[b] = i;
    bucketOf[i] = b;
  }

  private void unlink(int i) {
    int b = bucketOf[i];
    int prev = prevInBucket[i];
    int next = nextInBucket[i];
    if (prev != NONE) {
      nextInBucket[prev] = next;
    } else {
      bucketFirst[b] = next;
    }
    if (next != NONE) {
      prevInBucket[next] = prev;
    }
  }

  // Key table: slots hold counter index + 1, 0 is empty.

  private static int spread(String key) {
    int h = key.hashCode();
    return h ^ (h >>> 16);
  }

  private int find(String key) {
    for (int s = spread(key) & mask; ; s = (s + 1) & mask) {
      int v = table[s];
      if (v == 0) {
        return NONE;
      }
      if (keys[v - 1].equals(key)) {
        return v - 1;
      }
    }
  }

  private void insertIntoTable(int i) {
    int s = spread(keys[i]) & mask;
    while (table[s] != 0) {
      s = (s + 1) & mask;
    }
    table[s] = i + 1;
  }

  private void removeFromTable(String key) {
    int s = spread(key) & mask;
    while (!keys[table[s] - 1].equals(key)) {
      s = (s + 1) & mask;
    }
    // Backward-shift deletion: move later entries of the probe run into the hole when their home
    // slot
    // does not lie cyclically in (hole, their slot].
    int hole = s;
    for (int j = (hole + 1) & mask; table[j] != 0; j = (j + 1) & mask) {
      int home = spread(keys[table[j] - 1]) & mask;
      boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        table[hole] = table[j];
        hole = j;
      }
    }
    table[hole] = 0;
  }
}
