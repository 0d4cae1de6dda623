package io.imgcdn.edge.routing;

import io.imgcdn.common.cluster.ClusterView;
import io.imgcdn.common.cluster.NodeHealth;
import io.imgcdn.hashring.Node;
import io.imgcdn.hashring.NodeLocator;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Picks the shards a miss tries, in order: the key's owner on the ring unless it is down or, under
 * bounded loads, already carries more than its share of this edge's requests in flight; then the
 * next distinct candidates on the ring.
 */
public final class ShardRouter {
  /*
   * Health: the fetch asks isUp lazily, only for the node it is about to try (NodeHealth.isUp lets one
   * caller through to probe an ejected node when its ejection period ends; asking for nodes that are
   * then not tried would waste that probe). Down nodes are skipped without counting as attempts; if
   * every candidate is down the owner is tried anyway, so a cluster that came back is noticed at once.
   * Bounded loads [1]: the edge counts its own requests in flight per shard; the hashring's bounded-load
   * lookup walks the key's candidates to the first whose load is under ceil((1 + epsilon) x mean). Loads
   * are equal when the edge is idle, so the owner is chosen and caches stay disjoint; only a shard that
   * is slow or swamped (requests pile up in flight there) sheds keys to its ring successors. The edge's
   * memory tier already absorbs hot keys, and concurrent misses for one key are one flight, so this
   * mostly protects a shard that has become slow.
   * Floor: with a handful of requests in flight, loads are small integers and "1.25x the mean" is noise
   * (2 in flight can be over capacity), and every spilled key is a miss on a shard that does not own it.
   * So keys move only while the owner has at least `floor` requests in flight (by default as many as
   * the edge keeps pooled connections to it: more would wait for a connection); below that, plain ring
   * order (and fail-over to the next candidate) applies.
   * A spilled route (Route.spilled) is sent with Spill.HEADER: the stand-in relays the owner's copy
   * instead of filling from the origin and storing a duplicate. Such a spill only moves the edge's
   * connection and wait off the owner; it never costs an origin request or store bytes.
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
  public ShardRouter(
      ClusterView cluster, NodeHealth health, int attempts, double balanceFactor, int floor) {
    if (floor < 0) {
      throw new IllegalArgumentException("floor: " + floor + " (expected: >= 0)");
    }
    this.floor = floor;
    if (attempts < 1) {
      throw new IllegalArgumentException("attempts: " + attempts + " (expected: >= 1)");
    }
    if (!(balanceFactor >= 0) || Double.isInfinite(balanceFactor)) {
      throw new IllegalArgumentException(
          "balanceFactor: " + balanceFactor + " (expected: a finite number >= 0)");
    }
    this.cluster = cluster;
    this.health = health;
    this.attempts = attempts;
    this.balanceFactor = balanceFactor;
  }

  public NodeHealth health() {
    return health;
  }

  /**
   * The shards to try for one key, in order.
   *
   * @param candidates every shard, the first to try first
   * @param spilled the first is not the key's owner but a stand-in chosen for load (its request
   *     carries Spill.HEADER); the owner follows it
   */
  public record Route(List<Node> candidates, boolean spilled) {
    public Route {
      candidates = List.copyOf(candidates);
    }
  }

  /**
   * Every shard for {@code key}, in the order to try them: the owner (or, under bounded loads, the
   * first candidate under capacity), then the ring order. Health is not applied here: ask {@link
   * #isUp} for the node about to be tried, and try at most {@link #attempts()} of them. No
   * candidates without shards.
   */
  public Route route(String key) {
    NodeLocator ring = cluster.rings().shards();
    List<Node> all = ring.candidates(key, ring.nodes().size());
    if (all.size() > 1 && balanceFactor > 0 && inFlight(all.get(0)) >= floor) {
      Optional<Node> chosen = ring.owner(key, this::inFlight, balanceFactor, n -> true);
      if (chosen.isPresent() && !chosen.get().equals(all.get(0))) {
        List<Node> reordered = new ArrayList<>(all);
        reordered.remove(chosen.get());
        reordered.add(0, chosen.get());
        return new Route(reordered, true);
      }
    }
    return new Route(all, false);
  }

  /** Candidates tried per miss at most (down ones skipped do not count). */
  public int attempts() {
    return attempts;
  }

  /**
   * Whether {@code node} may be tried now. Ask only for the node about to be tried: an ejected
   * node's single half-open probe is handed to the caller that asks when its ejection period has
   * passed.
   */
  public boolean isUp(Node node) {
    return health.isUp(node.id());
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
