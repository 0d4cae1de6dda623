package io.imgcdn.hashring;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/** What every placement shares: the sorted members, key hashing and the candidate walks. */
abstract class AbstractLocator implements NodeLocator {

  /*
   * A placement only has to say, for a key's 64-bit hash, in which order it visits the members
   * (search). Everything else (owner, candidates, health-aware and load-aware lookups) is a walk over
   * that order that stops at the first member a predicate accepts, so every lookup of one snapshot
   * agrees with every other: the owner is candidates(key, n).get(0), and a lookup that skips down
   * nodes returns the first up node of candidates(key, nodes().size()).
   *
   * Bounded loads follow Mirrokni, Thorup and Zadimoghaddam [6]: a node's capacity is
   * ceil((1 + epsilon) x mean load), counting the request being placed, and a key walks its candidate
   * order to the first node under capacity. With epsilon = 0.25 no node carries more than 1.25x the
   * mean, and the expected number of extra probes is O(1/epsilon^2). When every load is equal the
   * owner is under capacity, so the answer is the plain owner: deterministic. HAProxy ships the same
   * rule as hash-balance-factor (a percentage: 125 means epsilon = 0.25).
   *
   * [6] V. Mirrokni, M. Thorup, M. Zadimoghaddam, "Consistent Hashing with Bounded Loads", SODA 2018.
   */

  static final String EMPTY_RING = "ring has no nodes";

  /** Members sorted by id; a placement refers to them by index. */
  final Node[] nodes;

  private final List<Node> nodeList;

  AbstractLocator(Node[] sortedNodes) {
    this.nodes = sortedNodes;
    this.nodeList = List.of(sortedNodes);
  }

  /** The placement's hash of a key; xxHash64 with seed 0 unless the placement needs another. */
  long keyHash(byte[] key) {
    return XxHash64.hash(key, 0);
  }

  /** Bytes held by this snapshot's own arrays: the memory cost of the placement. */
  abstract long footprintBytes();

  /**
   * Each member's exact share of the hash space, by member index: what its share of keys tends to
   * with infinitely many keys. This default, weight / total weight, is exact for placements that
   * draw the owner afresh per key (rendezvous); tables and rings override it with what they really
   * hold.
   */
  double[] intrinsicShares() {
    double total = 0;
    for (Node node : nodes) {
      total += node.weight();
    }
    double[] shares = new double[nodes.length];
    for (int i = 0; i < nodes.length; i++) {
      shares[i] = nodes[i].weight() / total;
    }
    return shares;
  }

  /** The index of the owner of a key with this hash; only called on a non-empty ring. */
  abstract int ownerIndex(long hash);

  /**
   * Visits the member indexes in candidate order for a key with this hash, each index at most once,
   * and returns the first one {@code stop} accepts, or -1 once every member has been visited. Only
   * called on a non-empty ring.
   */
  abstract int search(long hash, IntPredicate stop);

  @Override
  public final List<Node> nodes() {
    return nodeList;
  }

  @Override
  public final Node owner(String key) {
    return owner(keyHash(key.getBytes(StandardCharsets.UTF_8)));
  }

  @Override
  public final Node owner(byte[] key) {
    return owner(keyHash(key));
  }

  final Node owner(long hash) {
    if (nodes.length == 0) {
      throw new IllegalStateException(EMPTY_RING);
    }
    return nodes[ownerIndex(hash)];
  }

  @Override
  public final List<Node> candidates(String key, int n) {
    if (n < 0) {
      throw new IllegalArgumentException("n: " + n + " (expected: >= 0)");
    }
    int wanted = Math.min(n, nodes.length);
    if (wanted == 0) {
      return List.of();
    }
    List<Node> result = new ArrayList<>(wanted);
    search(
        keyHash(key.getBytes(StandardCharsets.UTF_8)),
        i -> {
          result.add(nodes[i]);
          return result.size() == wanted;
        });
    return List.copyOf(result);
  }

  @Override
  public final Optional<Node> owner(String key, Predicate<Node> isUp) {
    requireNonNull(isUp, "isUp");
    if (nodes.length == 0) {
      return Optional.empty();
    }
    long hash = keyHash(key.getBytes(StandardCharsets.UTF_8));
    Node first = nodes[ownerIndex(hash)];
    if (isUp.test(first)) {
      return Optional.of(first); // the common case: no walk, no allocation beyond the Optional
    }
    int found = search(hash, i -> isUp.test(nodes[i]));
    return found < 0 ? Optional.empty() : Optional.of(nodes[found]);
  }

  @Override
  public final Optional<Node> owner(
      String key, ToLongFunction<Node> inFlight, double epsilon, Predicate<Node> isUp) {
    requireNonNull(inFlight, "inFlight");
    requireNonNull(isUp, "isUp");
    if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
      throw new IllegalArgumentException("epsilon: " + epsilon + " (expected: > 0 and finite)");
    }
    if (nodes.length == 0) {
      return Optional.empty();
    }
    long hash = keyHash(key.getBytes(StandardCharsets.UTF_8));
    Node first = nodes[ownerIndex(hash)];
    if (isUp.test(first) && load(inFlight, first) == 0) {
      return Optional.of(first); // an idle owner is never over capacity: skip the O(N) sum
    }
    long total = 0;
    long upWeight = 0;
    for (Node node : nodes) {
      if (isUp.test(node)) {
        total += load(inFlight, node);
        upWeight += node.weight();
      }
    }
    if (upWeight == 0) {
      return Optional.empty();
    }
    // Capacity of node i: ceil((1 + epsilon) * (total + 1) * w_i / W), counting this request [6].
    // The capacities sum to more than the current total, so some up node always has room.
    double perWeight = (1 + epsilon) * (total + 1) / upWeight;
    int found =
        search(
            hash,
            i -> {
              Node node = nodes[i];
              return isUp.test(node) && load(inFlight, node) < Math.ceil(perWeight * node.weight());
            });
    return found < 0 ? Optional.empty() : Optional.of(nodes[found]);
  }

  private static long load(ToLongFunction<Node> inFlight, Node node) {
    return Math.max(0, inFlight.applyAsLong(node)); // a counter racing below zero counts as idle
  }

  @Override
  public String toString() {
    return getClass().getSimpleName()
        + "[placement="
        + placement()
        + ", nodes="
        + nodes.length
        + "]";
  }
}
