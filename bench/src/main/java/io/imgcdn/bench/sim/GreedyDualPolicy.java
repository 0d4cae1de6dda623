package io.imgcdn.bench.sim;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeSet;

/**
 * Greedy-Dual with frequency and aging, in its two usual forms: GDSF (priority grows with frequency
 * divided by size, so small objects stay; aims at object hit ratio) and LFU-DA (frequency alone;
 * aims at byte hit ratio). Both as in Squid's heap replacement policies.
 */
public final class GreedyDualPolicy implements CachePolicy {

  /*
   * Each cached object has priority H = L + f * c / s, with f its request count since it was admitted,
   * s its size, c its cost (1 for GDSF, s for LFU-DA) and L the inflation value: when an object is
   * evicted, L becomes its priority, so objects admitted later start from there and stale popular
   * objects age out [1, 2]. The object with the lowest H is evicted (the older one on a tie). There is
   * no admission filter: every miss is admitted if it fits in the cache at all.
   *
   * [1] L. Cherkasova. Improving WWW Proxies Performance with Greedy-Dual-Size-Frequency Caching Policy.
   *     HP Labs report HPL-98-69, 1998.
   * [2] M. Arlitt, L. Cherkasova, J. Dilley, R. Friedrich, T. Jin. Evaluating content management
   *     techniques for Web proxy caches. ACM SIGMETRICS Performance Evaluation Review 27(4), 2000.
   */

  private static final class Entry implements Comparable<Entry> {
    final int object;
    final long size;
    int frequency;
    double priority;
    long sequence;

    Entry(int object, long size) {
      this.object = object;
      this.size = size;
    }

    @Override
    public int compareTo(Entry o) {
      int c = Double.compare(priority, o.priority);
      return c != 0 ? c : Long.compare(sequence, o.sequence);
    }
  }

  private final long capacity;
  private final boolean sizeAware;
  private final Map<Integer, Entry> entries = new HashMap<>();
  private final TreeSet<Entry> byPriority = new TreeSet<>();
  private double inflation;
  private long sequence;
  private long used;

  private GreedyDualPolicy(long capacityBytes, boolean sizeAware) {
    if (capacityBytes <= 0) {
      throw new IllegalArgumentException("capacityBytes: " + capacityBytes + " (expected: > 0)");
    }
    this.capacity = capacityBytes;
    this.sizeAware = sizeAware;
  }

  /** GDSF: priority L + frequency / size. */
  public static GreedyDualPolicy gdsf(long capacityBytes) {
    return new GreedyDualPolicy(capacityBytes, true);
  }

  /** LFU with dynamic aging: priority L + frequency. */
  public static GreedyDualPolicy lfuDa(long capacityBytes) {
    return new GreedyDualPolicy(capacityBytes, false);
  }

  @Override
  public boolean access(int object, long size) {
    Entry e = entries.get(object);
    if (e != null) {
      byPriority.remove(e);
      e.frequency++;
      prioritise(e);
      return true;
    }
    if (size > capacity) {
      return false;
    }
    while (used + size > capacity) {
      Entry victim = byPriority.pollFirst();
      entries.remove(victim.object);
      used -= victim.size;
      inflation = victim.priority;
    }
    e = new Entry(object, size);
    e.frequency = 1;
    prioritise(e);
    entries.put(object, e);
    used += size;
    return false;
  }

  private void prioritise(Entry e) {
    e.priority = inflation + (sizeAware ? (double) e.frequency / e.size : e.frequency);
    e.sequence = sequence++;
    byPriority.add(e);
  }

  @Override
  public long usedBytes() {
    return used;
  }
}
