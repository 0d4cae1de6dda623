package io.imgcdn.edge.cache;

import com.github.benmanes.caffeine.cache.Policy;
import java.util.Iterator;
import org.jspecify.annotations.Nullable;

/**
 * A frequency filter in front of the index (see {@link Admission}): counts every request of every
 * key in a count-min sketch and compares a candidate with the coldest entries it would displace.
 */
final class AdmissionFilter {
  /*
   * Why another sketch when Caffeine has one: Caffeine's sketch is private and keeps a short memory (it
   * halves every 10 x entries requests, entries counted when the cache is half full), so on a stationary
   * Zipf workload the tail's frequencies are mostly noise. This one halves every HISTORY x (expected
   * entries) requests; measured in the bench simulator (docs/BENCHMARKS.md, "Edge hit ratio"), the
   * longer memory is worth about 3 points of byte and object hit ratio at 5% of the working set on
   * a stationary trace, and it costs up to 9 points when popularity drifts (yesterday's favourites
   * keep their counts), which is why FREQUENCY alone is not the default.
   *
   * Decision (for a candidate of size s and frequency f, victims v_i = the coldest entries in Caffeine's
   * eviction order until their weight covers the overflow):
   *   FREQUENCY, ADAPTIVE: f >= sum(f_i * s_i) / sum(s_i)   (value per byte for the byte hit ratio is f)
   *   FREQUENCY_PER_BYTE:  f / s >= sum(f_i) / sum(s_i)      (value per byte for the object hit ratio is f/s)
   * An admitted candidate still goes through Caffeine's own admission, so this only ever rejects more.
   *
   * ADAPTIVE keeps a second sketch with a short memory (SHORT_HISTORY x entries, close to Caffeine's own)
   * and makes the same comparison with it. When the two disagree on a candidate, a MemoryJudge notes the
   * candidate and later sees whether it came back; from that it tells whether the long memory predicts
   * better than the short one. While it does, the long memory's verdict stands; while it does not, the
   * filter admits everything and Caffeine's W-TinyLFU decides alone (which is what wins under drift).
   *
   * Counters are 4 bits' worth (saturating at 15, as Caffeine's and TinyLFU's [1]): saturation limits how
   * long an old favourite outweighs newcomers. Four rows, one byte each, indexed by rehashes of the key's
   * String hash. Updates from several event loops race without locks: a lost increment or a halving that
   * lands a little late only blurs an estimate, which a sketch tolerates by design.
   *
   * [1] Einziger, Friedman, Manes. TinyLFU: A Highly Efficient Cache Admission Policy. ACM ToS 2017.
   */
  static final int MAX_COUNT = 15;

  /** Requests between halvings, in expected entries (the long memory). */
  static final int HISTORY = 80;

  /** Requests between halvings of ADAPTIVE's short memory, in expected entries. */
  static final int SHORT_HISTORY = 8;

  /** Mean entry size assumed to size the sketch before any entry is seen. */
  static final long ASSUMED_ENTRY_BYTES = 16 << 10;

  private static final int MAX_WIDTH = 1 << 22;
  private static final int MAX_VICTIMS = 256;

  private final Admission mode;
  private final Sketch sketch;
  private final @Nullable Sketch shortSketch; // ADAPTIVE only
  private final @Nullable MemoryJudge judge; // ADAPTIVE only

  AdmissionFilter(Admission mode, long maxBytes) {
    if (mode == Admission.TINYLFU) {
      throw new IllegalArgumentException("mode: " + mode + " (expected: a filtering mode)");
    }
    this.mode = mode;
    long entries = Math.max(256, maxBytes / ASSUMED_ENTRY_BYTES);
    int width = (int) Math.min(MAX_WIDTH, Long.highestOneBit(2 * entries - 1) << 1);
    this.sketch = new Sketch(width, HISTORY * entries);
    boolean adaptive = mode == Admission.ADAPTIVE;
    this.shortSketch = adaptive ? new Sketch(width, SHORT_HISTORY * entries) : null;
    this.judge = adaptive ? new MemoryJudge(entries) : null;
  }

  /** Counts one request of {@code key}. */
  void record(String key) {
    int h = key.hashCode();
    sketch.increment(h);
    if (shortSketch != null) {
      shortSketch.increment(h);
    }
  }

  /**
   * Counts one request (a hit, or a miss being offered) of {@code key} for an entry of {@code
   * weight}.
   */
  void record(String key, int weight) {
    record(key);
    if (judge != null) {
      judge.request(key.hashCode(), weight);
    }
  }

  /** The estimated requests of {@code key} in the recent (long) history. */
  int frequency(String key) {
    return sketch.frequency(key.hashCode());
  }

  /** The estimated requests of {@code key} in the short history (ADAPTIVE only). */
  int shortFrequency(String key) {
    if (shortSketch == null) {
      throw new IllegalStateException("no short history: mode " + mode + " (expected: ADAPTIVE)");
    }
    return shortSketch.frequency(key.hashCode());
  }

  /** The judge of an ADAPTIVE filter, else null. */
  @Nullable MemoryJudge judge() {
    return judge;
  }

  /**
   * Whether a candidate of {@code weight} should enter an index of {@code maxWeight}, given its
   * {@code eviction} policy (which knows the weight the index holds now).
   */
  boolean admits(
      String key, long weight, Policy.Eviction<String, CachedObject> eviction, long maxWeight) {
    long overflow = eviction.weightedSize().orElse(0L) + weight - maxWeight;
    if (overflow <= 0) {
      return true;
    }
    double[] victims =
        eviction.coldest(
            entries -> {
              double frequencies = 0;
              double weightedFrequencies = 0;
              double weightedShortFrequencies = 0;
              long freed = 0;
              int n = 0;
              for (Iterator<Policy.CacheEntry<String, CachedObject>> it = entries.iterator();
                  it.hasNext() && freed < overflow && n < MAX_VICTIMS;
                  n++) {
                Policy.CacheEntry<String, CachedObject> e = it.next();
                int h = e.getKey().hashCode();
                int f = sketch.frequency(h);
                long w = e.weight();
                frequencies += f;
                weightedFrequencies += (double) f * w;
                if (shortSketch != null) {
                  weightedShortFrequencies += (double) shortSketch.frequency(h) * w;
                }
                freed += w;
              }
              return new double[] {
                frequencies, weightedFrequencies, freed, weightedShortFrequencies
              };
            });
    if (victims[2] == 0) {
      return true;
    }
    int candidate = frequency(key);
    if (mode == Admission.FREQUENCY_PER_BYTE) {
      return (double) candidate / weight >= victims[0] / victims[2];
    }
    boolean longAdmits = candidate >= victims[1] / victims[2];
    if (judge == null) {
      return longAdmits;
    }
    boolean shortAdmits = shortFrequency(key) >= victims[3] / victims[2];
    if (shortAdmits != longAdmits) {
      judge.disagreed(key.hashCode(), (int) Math.min(Integer.MAX_VALUE, weight), longAdmits);
    }
    return longAdmits || !judge.trustsLongMemory();
  }

  /** A count-min sketch of 4 rows of byte counters that halves every {@code period} additions. */
  private static final class Sketch {
    private final byte[] counters;
    private final int mask;
    private final long period;
    private long additions;

    Sketch(int width, long period) {
      this.counters = new byte[4 * width];
      this.mask = width - 1;
      this.period = period;
    }

    void increment(int hash) {
      for (int row = 0; row < 4; row++) {
        int i = slot(hash, row);
        if (counters[i] < MAX_COUNT) {
          counters[i]++;
        }
      }
      if (++additions >= period) {
        additions = 0;
        for (int i = 0; i < counters.length; i++) {
          counters[i] = (byte) (counters[i] >> 1);
        }
      }
    }

    int frequency(int hash) {
      int min = MAX_COUNT;
      for (int row = 0; row < 4; row++) {
        min = Math.min(min, counters[slot(hash, row)]);
      }
      return min;
    }

    private int slot(int hash, int row) {
      int h = (hash + row * 0x9E3779B9) * 0x85EBCA6B;
      h ^= h >>> 15;
      h *= 0xC2B2AE35;
      h ^= h >>> 13;
      return row * (mask + 1) + (h & mask);
    }
  }
}
