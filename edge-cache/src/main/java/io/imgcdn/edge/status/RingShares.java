package io.imgcdn.edge.status;

import io.imgcdn.hashring.Node;
import io.imgcdn.hashring.NodeLocator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Each member's share of the key space on a ring, estimated by asking the ring for the owner of a
 * fixed set of synthetic keys, computed once per ring snapshot.
 */
final class RingShares {
  /*
   * Sampling works for every placement behind NodeLocator (ketama and nginx rings, maglev tables,
   * rendezvous) without reaching into their internals. With 100,000 keys a share of p is measured within
   * about 2 x sqrt(p (1 - p) / 100,000), under 0.3 percentage points. The keys are the same every time
   * ("/status/sample/<i>"), so two edges with the same cluster file show the same figures, and the hash
   * (xxHash64) spreads such sequential keys as well as real paths. Snapshots are immutable and replaced on
   * every membership change, so the last snapshot's identity is the cache key; computing costs one
   * lookup per sample (tens of milliseconds), done off the event loops by the status page.
   */
  static final int SAMPLES = 100_000;

  private final int samples;
  private @Nullable NodeLocator computedFor;
  private Map<String, Double> shares = Map.of();

  RingShares(int samples) {
    if (samples < 1) {
      throw new IllegalArgumentException("samples: " + samples + " (expected: >= 1)");
    }
    this.samples = samples;
  }

  /** Share of keys (0..1) per node id of {@code ring}. */
  synchronized Map<String, Double> of(NodeLocator ring) {
    if (ring != computedFor) {
      shares = compute(ring);
      computedFor = ring;
    }
    return shares;
  }

  private Map<String, Double> compute(NodeLocator ring) {
    List<Node> nodes = ring.nodes();
    if (nodes.isEmpty()) {
      return Map.of();
    }
    Map<String, int[]> counts = new HashMap<>();
    for (Node n : nodes) {
      counts.put(n.id(), new int[1]);
    }
    for (int i = 0; i < samples; i++) {
      counts.computeIfAbsent(ring.owner("/status/sample/" + i).id(), id -> new int[1])[0]++;
    }
    Map<String, Double> out = new HashMap<>();
    counts.forEach((id, c) -> out.put(id, (double) c[0] / samples));
    return Map.copyOf(out);
  }
}
