package io.imgcdn.hashring;

import java.nio.charset.StandardCharsets;
import java.util.function.IntPredicate;

/** A Maglev lookup table: {@link Placement#MAGLEV}. */
final class MaglevTable extends AbstractLocator {

  /*
   * Maglev hashing, from Google's Maglev load balancer [4]. Every member i gets a permutation of the
   * M table slots, perm_i[j] = (offset_i + j * skip_i) mod M with M prime, offset_i = xxHash64(id,
   * seed 0xA) mod M and skip_i = xxHash64(id, seed 0xB) mod (M - 1) + 1. The table is filled in rounds:
   * in each round every member, in id order, claims its next `weight` still-free preferred slots, until
   * all M slots are claimed. A key's owner is table[slot(xxHash64(key))]: one hash, one multiply, one
   * array read, the same cost at 3 and at 1,000 members.
   *
   * Balance: members end up with floor or ceil of M x weight / total weight slots, so the intrinsic
   * peak-to-mean is at most 1 + total weight / M: under 0.01% at 100 members. What remains in a
   * measurement is the sampling noise of the keys themselves.
   *
   * Movement: when membership changes, slots change hands mostly onto the new member (or away from
   * the removed one), but the fill is a race, so some keys also move between members that stayed; the
   * paper accepts this for its balance. The larger M / total weight, the smaller that fraction, which
   * is why M is fixed at ~2^20 (2 MB of chars; 30-100 ms to fill) rather than the paper's 65,537:
   * adding a member to N moves (1/(N+1)) x 1.04 of the keys at N = 40 and x 1.10 at N = 100 (x 1.17
   * and x 1.58 with 65,537 slots), of which about 0.1% of all keys go between old members; at
   * N = 1,000 it is x 3. BalanceTest and HashRingPropertiesTest pin these. Where strictly minimal
   * movement matters more than O(1) lookups, use RENDEZVOUS; at 1,000 members, KETAMA.
   *
   * Fallback (down members, bounded loads, candidates): the key probes slots s, s + t, s + 2t, ... mod
   * M with a per-key stride t in [1, M); M being prime, the walk reaches every slot, hence every
   * member, and a down member's keys spread evenly over the others instead of piling on one neighbour.
   * Unlike the rings, skipping a down member is therefore not the same as rebuilding without it (a
   * rebuild redistributes its slots by the fill race); both are balanced.
   *
   * Memory: one char (member index) per slot, 2 MB per snapshot whatever the membership: 51 KB per
   * member at 40 members, 2 KB at 1,000 (a 160-point ring takes 1.9 KB per member, with ~20%
   * imbalance at 100 members instead of under 0.01%).
   *
   * [4] D. E. Eisenbud, C. Yi, C. Contavalli, C. Smith, R. Kononov, E. Mann-Hielscher, A. Cilingiroglu,
   *     B. Cheyney, W. Shang, J. D. Hosein, "Maglev: A Fast and Reliable Software Network Load
   *     Balancer", NSDI 2016, section 3.4.
   */

  /**
   * The table size M, the same for every membership: the largest prime below 2^20. It must not
   * follow the membership: a key's slot depends on M, so a different M would move almost every key.
   */
  static final int TABLE_SIZE = 1_048_573;

  /**
   * At least 64 slots per unit of weight, for balance and movement; also keeps indexes in a char.
   */
  static final int MAX_TOTAL_WEIGHT = TABLE_SIZE / 64;

  private final int size;
  private final char[] table;

  MaglevTable(Node[] sortedNodes) {
    this(sortedNodes, TABLE_SIZE);
  }

  /** A table of another prime size, for tests that measure what M does. */
  MaglevTable(Node[] sortedNodes, int primeSize) {
    super(sortedNodes);
    long totalWeight = 0;
    for (Node node : sortedNodes) {
      totalWeight += node.weight();
    }
    if (totalWeight > primeSize / 64) {
      throw new IllegalArgumentException(
          "total weight: "
              + totalWeight
              + " (expected: <= "
              + primeSize / 64
              + " for "
              + Placement.MAGLEV
              + ")");
    }
    size = sortedNodes.length == 0 ? 0 : primeSize;
    table = new char[size];
    if (size > 0) {
      fill(sortedNodes);
    }
  }

  private void fill(Node[] members) {
    int n = members.length;
    int[] position = new int[n]; // perm_i[next_i], updated incrementally
    int[] skip = new int[n];
    for (int i = 0; i < n; i++) {
      byte[] id = members[i].id().getBytes(StandardCharsets.UTF_8);
      position[i] = (int) Long.remainderUnsigned(XxHash64.hash(id, 0xA), size);
      skip[i] = (int) Long.remainderUnsigned(XxHash64.hash(id, 0xB), size - 1) + 1;
    }
    boolean[] taken = new boolean[size];
    int filled = 0;
    while (true) {
      for (int i = 0; i < n; i++) {
        for (int w = members[i].weight(); w > 0; w--) {
          int slot = position[i];
          while (taken[slot]) {
            slot += skip[i];
            if (slot >= size) {
              slot -= size;
            }
          }
          taken[slot] = true;
          table[slot] = (char) i;
          slot += skip[i];
          position[i] = slot >= size ? slot - size : slot;
          if (++filled == size) {
            return;
          }
        }
      }
    }
  }

  @Override
  public Placement placement() {
    return Placement.MAGLEV;
  }

  private int slot(long hash) {
    return (int) Math.unsignedMultiplyHigh(hash, size); // Lemire's range reduction: no division
  }

  @Override
  int ownerIndex(long hash) {
    return table[slot(hash)];
  }

  @Override
  int search(long hash, IntPredicate stop) {
    int slot = slot(hash);
    int first = table[slot];
    if (stop.test(first)) {
      return first;
    }
    // A stride from bits the slot did not use much; any stride in [1, M) visits every slot.
    int stride = (int) Long.remainderUnsigned(hash * 0x9E3779B97F4A7C15L, size - 1) + 1;
    long[] seen = new long[(nodes.length + 63) >>> 6];
    seen[first >>> 6] |= 1L << first;
    int remaining = nodes.length - 1;
    for (int step = 1; step < size && remaining > 0; step++) {
      slot += stride;
      if (slot >= size) {
        slot -= size;
      }
      int member = table[slot];
      long bit = 1L << member;
      if ((seen[member >>> 6] & bit) == 0) {
        seen[member >>> 6] |= bit;
        remaining--;
        if (stop.test(member)) {
          return member;
        }
      }
    }
    return -1;
  }

  @Override
  double[] intrinsicShares() {
    double[] shares = new double[nodes.length];
    for (char member : table) {
      shares[member] += 1.0 / size;
    }
    return shares;
  }

  /** The member index of every slot, for tests that count the slots a membership change moves. */
  char[] table() {
    return table.clone();
  }

  @Override
  long footprintBytes() {
    return 2L * size;
  }
}
