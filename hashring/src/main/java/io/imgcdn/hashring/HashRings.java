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

  /*
   * Four placements behind one interface, chosen by configuration (Placement.parse), all keyed by the
   * same fixed hash (xxHash64, seed 0) except NGINX, which must hash as nginx does:
   *
   *   KETAMA      ring with 160 virtual nodes per weight [1][2]: the peer baseline.
   *   NGINX       the same ring laid out exactly as nginx's `hash $key consistent` [3].
   *   MAGLEV      lookup table [4]: O(1), near-perfect balance, ~0.1% extra movement.
   *   RENDEZVOUS  highest random weight [5][7]: perfect expected balance, minimal movement, O(N).
   *
   * Bounded loads [6] and health-aware lookups are walks over each placement's candidate order
   * (AbstractLocator). Considered and not taken: multi-probe consistent hashing [8] reaches a
   * peak-to-mean of ~1.05 only with 21 probes (21 hashes and searches per lookup), worse than MAGLEV
   * on both balance and speed; jump hash [9] (Guava's consistentHash) is perfectly balanced and
   * small, but it can only add or remove the last bucket, and cache nodes fail in any order; it is
   * in the benchmarks as a speed reference.
   *
   * Members are sorted by id before any placement sees them, and every tie is broken by that order,
   * so the input order never matters.
   *
   * [1]-[7] see Ring, MaglevTable, Rendezvous and AbstractLocator.
   * [8] B. Appleton, M. O'Reilly, "Multi-Probe Consistent Hashing", arXiv:1505.00062, 2015.
   * [9] J. Lamping, E. Veach, "A Fast, Minimal Memory, Consistent Hash Algorithm", arXiv:1406.2294,
   *     2014.
   */

  private HashRings() {}

  /**
   * A snapshot placing {@code nodes} with {@code placement}. The order of {@code nodes} does not
   * matter: the same members in any order give the same owners.
   *
   * @throws IllegalArgumentException if two nodes share an id, or the total weight is too large for
   *     the placement
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
