package io.imgcdn.hashring;

import static java.util.Objects.requireNonNull;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.IntPredicate;
import java.util.function.Predicate;

/** What every placement shares: the sorted members, key hashing and the candidate walks. */
abstract class AbstractLocator implements NodeLocator {

  /*
   * A placement only has to say, for a key's 64-bit hash, in which order it visits the members
   * (search). Everything else (owner, candidates, health-aware and load-aware lookups) is a walk over
   * that order that stops at the first member a predicate accepts, so every lookup of one snapshot
   * agrees with every other: the owner is candidates(key, n).get(0), and a lookup that skips down
   * nodes returns the first up node of candidates(key, nodes().size()).
   */

  static final String EMPTY_RING = "ring has no nodes";

  /** Members sorted by id; a placement refers to them by index. */
  final Node[] nodes;
  private final List<Node> nodeList;

  AbstractLocator(Node[] sortedNodes) {
    this.nodes = sortedNodes;
    this.nodeList = List.of(sortedNodes);
  }

  /** The index of the owner of a key with this hash; only called on a non-empty ring. */
  abstract int ownerIndex(long hash);

  /**
   * Visits the member indexes in candidate order for a key with this hash, each index at most once,
   * and returns the first one {@code stop} accepts, or -1 once every member has been visited.
   * Only called on a non-empty ring.
   */
  abstract int search(long hash, IntPredicate stop);

  @Override
  public final List<Node> nodes() {
    return nodeList;
  }

  @Override
  public final Node owner(String key) {
    return owner(hash(key));
  }

  @Override
  public final Node owner(byte[] key) {
    return owner(XxHash64.hash(key, 0));
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
    search(hash(key), i -> {
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
    long hash = hash(key);
    Node first = nodes[ownerIndex(hash)];
    if (isUp.test(first)) {
      return Optional.of(first); // the common case: no walk, no allocation beyond the Optional
    }
    int found = search(hash, i -> isUp.test(nodes[i]));
    return found < 0 ? Optional.empty() : Optional.of(nodes[found]);
  }

  static long hash(String key) {
    return XxHash64.hash(key.getBytes(StandardCharsets.UTF_8), 0);
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[placement=" + placement() + ", nodes=" + nodes.length + "]";
  }
}
