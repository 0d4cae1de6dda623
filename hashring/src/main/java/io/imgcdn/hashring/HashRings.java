package io.imgcdn.hashring;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;

/**
 * The entry point of the module: builds {@link NodeLocator} snapshots and exposes the fixed hash.
 *
 * <pre>{@code
 * NodeLocator ring = HashRings.create(Placement.parse(config.placement()), members);
 * Node shard = ring.owner("/v/w600/img/2024/01/02/123_p0.jpg");
 * }</pre>
 */
public final class HashRings {

  private HashRings() {}

  /**
   * A snapshot placing {@code nodes} with {@code placement}. The order of {@code nodes} does not
   * matter: the same members in any order give the same owners.
   *
   * @throws IllegalArgumentException if two nodes share an id, or the total weight is too large for the
   *     placement
   */
  public static NodeLocator create(Placement placement, Collection<Node> nodes) {
    requireNonNull(placement, "placement");
    requireNonNull(nodes, "nodes");
    Node[] sorted = nodes.toArray(Node[]::new);
    for (Node node : sorted) {
      requireNonNull(node, "nodes contains null");
    }
    Arrays.sort(sorted, Comparator.comparing(Node::id));
    for (int i = 1; i < sorted.length; i++) {
      if (sorted[i].id().equals(sorted[i - 1].id())) {
        throw new IllegalArgumentException(
            "nodes: duplicate id \"" + sorted[i].id() + "\" (expected: unique ids)");
      }
    }
    return switch (placement) {
      case KETAMA -> Ring.ketama(sorted);
      case NGINX -> Ring.nginx(sorted);
      case MAGLEV -> new MaglevTable(sorted);
      case RENDEZVOUS -> new Rendezvous(sorted);
    };
  }

  /** Same as {@code create(Placement.KETAMA, nodes)}. */
  public static NodeLocator ketama(Collection<Node> nodes) {
    return create(Placement.KETAMA, nodes);
  }

  /**
   * The fixed 64-bit hash of every placement: xxHash64 (XXH64) with seed 0, the value the reference
   * {@code xxhsum -H64} prints. Stable across nodes, JVMs and releases.
   */
  public static long hash64(byte[] key) {
    return XxHash64.hash(key, 0);
  }
}
