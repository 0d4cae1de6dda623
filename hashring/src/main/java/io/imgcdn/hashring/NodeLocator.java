package io.imgcdn.hashring;

import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * An immutable snapshot of a ring: maps keys to the {@link Node}s that own them. Thread-safe and cheap
 * to rebuild; build a new one with {@link HashRings#create} whenever membership changes. String keys
 * are hashed as their UTF-8 bytes, so {@code owner(s)} equals {@code owner(s.getBytes(UTF_8))}.
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
   * The first {@code n} distinct nodes for {@code key}, owner first: the order in which to fail over.
   * Fewer than {@code n} when the ring has fewer nodes; empty for an empty ring.
   *
   * @throws IllegalArgumentException if {@code n < 0}
   */
  List<Node> candidates(String key, int n);

  /**
   * The first candidate for {@code key} that {@code isUp} accepts, found without rebuilding: a health
   * checker marks nodes down and lookups skip them. Empty when no node is accepted.
   */
  Optional<Node> owner(String key, Predicate<Node> isUp);
}
