package io.imgcdn.common.upstream;

import io.imgcdn.common.cluster.NodeHealth;
import io.imgcdn.common.http.HttpError;
import io.imgcdn.hashring.Node;
import io.imgcdn.hashring.NodeLocator;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Fetches a path from the node that owns a routing key, falling over to the next distinct
 * candidates on the ring when a node is down, unreachable, times out or answers 5xx.
 */
public final class RoutedClient {
  /*
   * Candidates come from the ring in order (owner first), so every node that routes the same key tries
   * the same nodes in the same order and their caches stay disjoint. Nodes that passive health marked
   * down are skipped without a connection attempt; if all are down we still try the owner, so a cluster
   * that came back is noticed without waiting for the ejection period.
   * A 4xx answer is final (another node would say the same); a 5xx or transport failure moves on,
   * except a 5xx the node relayed from further up (see relayedFailure).
   */
  private final UpstreamClient client;
  private final NodeHealth health;
  private final int maxAttempts;

  /** The answer and the node that gave it. */
  public record Routed(Node node, UpstreamResponse response) {}

  public RoutedClient(UpstreamClient client, NodeHealth health, int maxAttempts) {
    this.client = client;
    this.health = health;
    this.maxAttempts = maxAttempts;
  }

  public NodeHealth health() {
    return health;
  }

  public CompletableFuture<Routed> get(
      NodeLocator ring, String routingKey, String path, String role) {
    return get(ring, routingKey, path, null, role);
  }

  /**
   * {@link #get(NodeLocator, String, String, String)} with extra request headers (null: none), e.g.
   * Accept.
   */
  public CompletableFuture<Routed> get(
      NodeLocator ring, String routingKey, String path, HttpHeaders headers, String role) {
    List<Node> candidates = ring.candidates(routingKey, ring.nodes().size());
    if (candidates.isEmpty()) {
      return CompletableFuture.failedFuture(
          new HttpError(
              HttpResponseStatus.SERVICE_UNAVAILABLE, "no " + role + " nodes in the cluster file"));
    }
    CompletableFuture<Routed> result = new CompletableFuture<>();
    attempt(candidates, 0, 0, path, headers, role, result, null);
    return result;
  }

  /**
   * Whether a 5xx was relayed by a node that itself worked: its own X-Cache verdict comes first and
   * is not "error" ("shard-2;miss, origin-1;error"). The failure is further up (the next tier, S3),
   * which the next candidate would ask again; such an answer is final and the node is healthy.
   */
  public static boolean relayedFailure(String nodeId, int status, String xCache) {
    return status >= 500
        && xCache != null
        && xCache.startsWith(nodeId + ";")
        && !xCache.startsWith(nodeId + ";error");
  }

  /*
   * Health is asked lazily, only for the node about to be tried: NodeHealth.isUp hands out an ejected
   * node's one half-open probe, which would be lost on a node the request never tries. Down nodes are
   * skipped without counting as attempts; if no candidate was up, the owner is tried anyway.
   */
  private void attempt(
      List<Node> candidates,
      int from,
      int tried,
      String path,
      HttpHeaders headers,
      String role,
      CompletableFuture<Routed> result,
      Throwable last) {
    int index = from;
    while (index < candidates.size()
        && tried < maxAttempts
        && !health.isUp(candidates.get(index).id())) {
      index++;
    }
    Node node;
    if (index < candidates.size() && tried < maxAttempts) {
      node = candidates.get(index);
    } else if (tried == 0) {
      node =
          candidates.get(
              0); // every candidate is down: try the owner, a recovered cluster is noticed at once
      index = candidates.size();
    } else {
      boolean timeout =
          last instanceof UpstreamException ue && ue.kind() == UpstreamException.Kind.TIMEOUT;
      result.completeExceptionally(
          new HttpError(
              timeout ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.BAD_GATEWAY,
              role + " tier unavailable" + (timeout ? " (timeout)" : ""),
              last));
      return;
    }
    int next = index + 1;
    boolean lastChance = tried + 1 >= maxAttempts || next >= candidates.size();
    client
        .get(node.address(), path, headers)
        .whenComplete(
            (response, failure) -> {
              if (failure == null
                  && (response.status() < 500
                      || relayedFailure(
                          node.id(), response.status(), response.headers().get("X-Cache")))) {
                health.success(node.id());
                result.complete(new Routed(node, response));
              } else if (failure == null && lastChance) {
                // Last candidate answered 5xx: pass its answer on rather than inventing one.
                health.failure(node.id());
                result.complete(new Routed(node, response));
              } else {
                health.failure(node.id());
                attempt(candidates, next, tried + 1, path, headers, role, result, failure);
              }
            });
  }
}
