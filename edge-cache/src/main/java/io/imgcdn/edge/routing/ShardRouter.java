package io.imgcdn.edge.routing;

import io.imgcdn.common.cluster.ClusterView;
import io.imgcdn.common.cluster.NodeHealth;
import io.imgcdn.hashring.Node;
import io.imgcdn.hashring.NodeLocator;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Picks the shards a miss tries, in order: the key's owner on the ring unless it is down or, under
 * bounded loads, already carries more than its share of this edge's requests in flight; then the next
 * distinct candidates on the ring.
 */
public final class ShardRouter {
  /*
   * Health: each candidate's health is asked once per lookup (NodeHealth.isUp lets one caller through
   * to probe an ejected node when its ejection period ends, so asking twice would waste that probe).
   * If every candidate is down the owner is tried anyway: a cluster that came back is noticed at once.
   * Bounded loads [1]: the edge counts its own requests in flight per shard; the hashring's bounded-load
   * lookup walks the key's candidates to the first whose load is under ceil((1 + epsilon) x mean). Loads
   * are equal when the edge is idle, so the owner is chosen and caches stay disjoint; only a shard that
   * is slow or swamped (requests pile up in flight there) sheds keys to its ring successors. The edge's
   * memory tier already absorbs hot keys, and concurrent misses for one key are one flight, so this
   * mostly protects a shard that has become slow.
   * Floor: with a handful of requests in flight, loads are small integers and "1.25x the mean" is noise
   * (2 in flight can be over capacity), and every spilled key is a miss on a shard that does not own it.
   * So keys move only while the owner has at least `floor` requests in flight; below that, plain ring
   * order (and fail-over to the next candidate) applies.
   * [1] V. Mirrokni, M. Thorup, M. Zadimoghaddam, "Consistent Hashing with Bounded Loads", SODA 2018.
   */
  private final ClusterView cluster;
  private final NodeHealth health;
  private final int attempts;
  private final double balanceFactor;
  private final int floor;
  private final ConcurrentHashMap<String, AtomicLong> inFlight = new ConcurrentHashMap<>();

  /**
   * @param attempts candidates tried per miss, at least 1
   * @param balanceFactor epsilon of bounded loads (0.25: at most 1.25x the mean); 0 turns them off
   * @param floor in-flight requests on the owner below which keys never move, at least 0
   */
  public ShardRouter(ClusterView cluster, NodeHealth health, int attempts, double balanceFactor, int floor) {
    if (floor < 0) {
      throw new IllegalArgumentException("floor: " + floor + " (expected: >= 0)");
    }
    this.floor = floor;
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts: " + attempts + " (expected: >= 1)");
    }
    if (!(balanceFactor >= 0) || Double.isInfinite(balanceFactor)) {
      throw new IllegalArgumentException("balanceFactor: " + balanceFactor + " (expected: a finite number >= 0)");
    }
    this.cluster = cluster;
    this.health = health;
    this.attempts = attempts;
    this.balanceFactor = balanceFactor;
  }

  public NodeHealth health() {
    return health;
  }

  /** The shards to try for {@code key}, in order; empty when the cluster has no shards. */
  public List<Node> candidates(String key) {
    NodeLocator ring = cluster.rings().shards();
    List<Node> all = ring.candidates(key, ring.nodes().size());
    if (all.isEmpty()) {
      return all;
    }
    List<Node> up = new ArrayList<>(all.size());
    for (Node n : all) {
      if (health.isUp(n.id())) {
        up.add(n);
      }
    }
    if (up.isEmpty()) {
      return List.of(all.get(0));
    }
    if (balanceFactor > 0 && up.size() > 1 && inFlight(up.get(0)) >= floor) {
      Set<String> upIds = new HashSet<>();
      for (Node n : up) {
        upIds.add(n.id());
      }
      Optional<Node> chosen = ring.owner(key, this::inFlight, balanceFactor, n -> upIds.contains(n.id()));
      if (chosen.isPresent() && !chosen.get().equals(up.get(0))) {
        up.remove(chosen.get());
        up.add(0, chosen.get());
      }
    }
    return up.size() > attempts ? List.copyOf(up.subList(0, attempts)) : up;
  }

  /** Requests this edge has in flight to {@code node} now. */
  public long inFlight(Node node) {
    AtomicLong n = inFlight.get(node.id());
    return n == null ? 0 : n.get();
  }

  /** A request to {@code node} starts; pair with {@link #finished}. */
  public void started(Node node) {
    inFlight.computeIfAbsent(node.id(), id -> new AtomicLong()).incrementAndGet();
  }

  public void finished(Node node) {
    AtomicLong n = inFlight.get(node.id());
    if (n != null) {
      n.decrementAndGet();
    }
  }
}
