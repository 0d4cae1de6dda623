package io.imgcdn.hashring;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.function.IntPredicate;

/** Weighted rendezvous (highest random weight) hashing: {@link Placement#RENDEZVOUS}. */
final class Rendezvous extends AbstractLocator {

  /*
   * Highest random weight hashing of Thaler and Ravishankar [5]: every member i scores the key with
   * h_i = xxHash64(the key's xxHash64 as 8 little-endian bytes, seed = xxHash64(UTF-8 id)), and the
   * member with the highest score owns it; the candidates are the members by descending score.
   *
   * Why: a member's score for a key does not depend on the other members, so adding a member moves
   * exactly the keys it now wins (about weight/total of them, all onto it) and removing one moves
   * exactly its own keys, each to its second choice: strictly minimal movement, and skipping a down
   * member equals rebuilding without it. The owner of a key is a fresh uniform draw per key, so there
   * is no intrinsic imbalance at all (a ring's arcs give ~8% per member at 160 points); only the
   * sampling noise of the keys remains. Memory: one 8-byte seed per member.
   *
   * Weights use the logarithmic method [7]: score_i = w_i / -ln(u_i), u_i = h_i mapped into (0, 1);
   * then P(i wins) = w_i / sum(w) exactly. With equal weights the score is h_i itself (same order, no
   * logarithm).
   *
   * Cost: O(members) hash evaluations per lookup, about 2 ns each with equal weights (plus ~15 ns for
   * the logarithm with mixed weights): fine at tens of members, microseconds at 1,000. Use MAGLEV or
   * KETAMA for large rings.
   *
   * Order: scores are compared as longs whose low bits are replaced by the member index, so no two
   * are equal; the order is total and deterministic, and owner, candidates and every skip-lookup
   * agree. (Two scores equal in their top 44 bits are ordered by member index: a 2^-44 event.)
   *
   * [5] D. G. Thaler, C. V. Ravishankar, "Using Name-Based Mappings to Increase Hit Rates",
   *     IEEE/ACM Transactions on Networking 6(1), 1998.
   * [7] C. Schindelhauer, G. Schomaker, "Weighted Distributed Hash Tables", SPAA 2005; J. Resch,
   *     "New Hashing Algorithms for Data Storage" (logarithmic method), 2015.
   */

  private static final int INDEX_BITS = 20;
  private static final long INDEX_MASK = (1L << INDEX_BITS) - 1;
  static final int MAX_NODES = 1 << INDEX_BITS;

  private final long[] seeds;
  private final double[] weights;
  private final boolean weighted;

  Rendezvous(Node[] sortedNodes) {
    super(sortedNodes);
    if (sortedNodes.length > MAX_NODES) {
      throw new IllegalArgumentException(
          "nodes: "
              + sortedNodes.length
              + " (expected: <= "
              + MAX_NODES
              + " for "
              + Placement.RENDEZVOUS
              + ")");
    }
    seeds = new long[sortedNodes.length];
    weights = new double[sortedNodes.length];
    boolean mixed = false;
    for (int i = 0; i < sortedNodes.length; i++) {
      seeds[i] = XxHash64.hash(sortedNodes[i].id().getBytes(StandardCharsets.UTF_8), 0);
      weights[i] = sortedNodes[i].weight();
      mixed |= sortedNodes[i].weight() != sortedNodes[0].weight();
    }
    weighted = mixed;
  }

  /** Member i's score for the key, as a positive long unique to i; larger wins. */
  private long score(long keyHash, int i) {
    long h = XxHash64.hashLong(keyHash, seeds[i]);
    long s;
    if (weighted) {
      double u = ((h >>> 11) + 0.5) * 0x1.0p-53; // in (0, 1)
      s =
          Double.doubleToRawLongBits(
              weights[i] / -Math.log(u)); // positive: bits order = value order
    } else {
      s = h >>> 1;
    }
    return (s & ~INDEX_MASK) | i;
  }

  @Override
  public Placement placement() {
    return Placement.RENDEZVOUS;
  }

  @Override
  int ownerIndex(long hash) {
    long best = -1;
    for (int i = 0; i < seeds.length; i++) {
      best = Math.max(best, score(hash, i));
    }
    return (int) (best & INDEX_MASK);
  }

  @Override
  int search(long hash, IntPredicate stop) {
    int first = ownerIndex(hash);
    if (stop.test(first)) {
      return first;
    }
    long[] scores = new long[seeds.length];
    for (int i = 0; i < scores.length; i++) {
      scores[i] = score(hash, i);
    }
    Arrays.sort(scores);
    for (int k = scores.length - 2; k >= 0; k--) { // the last one is `first`
      int member = (int) (scores[k] & INDEX_MASK);
      if (stop.test(member)) {
        return member;
      }
    }
    return -1;
  }

  @Override
  long footprintBytes() {
    return 16L * seeds.length;
  }
}
