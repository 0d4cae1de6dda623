package io.imgcdn.hashring;

import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;

/**
 * An immutable snapshot of a ring: maps keys to the {@link Node}s that own them. Thread-safe and
 * cheap to rebuild; build a new one with {@link HashRings#create} whenever membership changes.
 * String keys are hashed as their UTF-8 bytes, so {@code owner(s)} equals {@code
 * owner(s.getBytes(UTF_8))}.
 */
public interface NodeLocator {

  /** The members, sorted by {@link Node#id()}. */
  List<Node> nodes();

  /** The placement that built this snapshot. */
  Placement placement();

  /**
   * The node that owns {@code key}.
   *
   * @throws IllegalStateException with message {@code "ring has no nodes"} when the ring is empty
   */
  Node owner(String key);

  /**
   * The node that owns {@code key}.
   *
   * @throws IllegalStateException with message {@code "ring has no nodes"} when the ring is empty
   */
  Node owner(byte[] key);

  /**
   * The first {@code n} distinct nodes for {@code key}, owner first: the order in which to fail
   * over. Fewer than {@code n} when the ring has fewer nodes; empty for an empty ring.
   *
   * @throws IllegalArgumentException if {@code n < 0}
   */
  List<Node> candidates(String key, int n);

  /**
   * The first candidate for {@code key} that {@code isUp} accepts, found without rebuilding: a
   * health checker marks nodes down and lookups skip them. Empty when no node is accepted.
   */
  Optional<Node> owner(String key, Predicate<Node> isUp);

  /**
   * The owner of {@code key} under bounded loads (Mirrokni et al., "Consistent Hashing with Bounded
   * Loads", 2018): the first candidate that {@code isUp} accepts and whose in-flight load is below
   * its capacity {@code ceil((1 + epsilon) * (totalInFlight + 1) * weight / totalUpWeight)}, summed
   * over the up nodes. One hot key then spills onto its next candidates instead of melting its
   * owner. When all loads are equal the answer is {@link #owner(String, Predicate)}'s. Costs
   * O(nodes) calls of the two functions unless the owner is up and idle. Negative loads count as 0.
   *
   * @param inFlight each node's current load, e.g. its open requests
   * @param epsilon the allowed excess over the mean, {@code > 0}: 0.25 caps every node at 1.25x the
   *     mean (HAProxy's {@code hash-balance-factor 125})
   * @param isUp whether a node may be chosen at all
   * @return empty when {@code isUp} accepts no node
   * @throws IllegalArgumentException if {@code epsilon} is not a finite number above 0
   */
  Optional<Node> owner(
      String key, ToLongFunction<Node> inFlight, double epsilon, Predicate<Node> isUp);
}
