package io.imgcdn.bench.sim;

import io.imgcdn.bench.workload.Trace;
import java.util.Arrays;
import java.util.Comparator;

/**
 * An offline reference: the best fixed set of objects for the whole trace, chosen with hindsight
 * from every object's request count (a greedy knapsack), filled on first request and never changed.
 */
public final class StaticOraclePolicy implements CachePolicy {

  /*
   * Under the independent reference model (requests drawn independently from fixed popularities, as the
   * workload without drift is) the best any online policy can do in expectation is to hold the most
   * valuable objects by their true probabilities (Aho, Denning, Ullman's A0 [1], for equal sizes; a
   * knapsack for variable sizes). This policy does that with the trace's own counts, so it is what an
   * online policy can at best approach, while Belady (which also knows WHEN each request comes) is not
   * reachable online at all. It is also a feasible schedule, so like Belady it is a lower bound on the
   * true optimum: the better of the two is the best known offline reference.
   *
   * Objective: object hit ratio ranks by count / size, byte hit ratio by count (value per byte of space).
   * Greedy knapsack: in that order, take every object that still fits.
   *
   * [1] A. V. Aho, P. J. Denning, J. D. Ullman. Principles of Optimal Page Replacement. JACM 18(1), 1971.
   */

  private final boolean[] chosen;
  private final boolean[] present;
  private long used;

  /**
   * @param forBytes rank by count (byte hit ratio) instead of count per byte (object hit ratio)
   */
  public StaticOraclePolicy(Trace trace, long capacityBytes, boolean forBytes) {
    if (capacityBytes <= 0) {
      throw new IllegalArgumentException("capacityBytes: " + capacityBytes + " (expected: > 0)");
    }
    int n = trace.objectCount();
    long[] counts = new long[n];
    for (int i = 0; i < trace.length(); i++) {
      counts[trace.objectAt(i)]++;
    }
    Integer[] order = new Integer[n];
    Arrays.setAll(order, i -> i);
    Comparator<Integer> value =
        forBytes
            ? Comparator.comparingDouble(o -> counts[o])
            : Comparator.comparingDouble(o -> (double) counts[o] / trace.size(o));
    Arrays.sort(order, value.reversed());
    this.chosen = new boolean[n];
    this.present = new boolean[n];
    long planned = 0;
    for (int o : order) {
      if (counts[o] > 1 && planned + trace.size(o) <= capacityBytes) {
        chosen[o] = true;
        planned += trace.size(o);
      }
    }
  }

  @Override
  public boolean access(int object, long size) {
    if (present[object]) {
      return true;
    }
    if (chosen[object]) {
      present[object] = true;
      used += size;
    }
    return false;
  }

  @Override
  public long usedBytes() {
    return used;
  }
}
