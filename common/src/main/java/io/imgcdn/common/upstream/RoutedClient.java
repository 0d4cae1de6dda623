package io.imgcdn.common.upstream;

import io.imgcdn.common.cluster.NodeHealth;
import io.imgcdn.hashring.Node;
import io.imgcdn.hashring.NodeLocator;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Fetches a path, whole, from the node that owns a routing key, falling over to the next distinct
 * candidates on the ring as {@link CandidateWalk} says (node down, unreachable, timed out, or
 * answering a 5xx of its own).
 */
public final class RoutedClient {
  private final UpstreamClient client;
  private final NodeHealth health;
  private final CandidateWalk.Limits limits;

  /** The answer and the node that gave it. */
  public record Routed(Node node, UpstreamResponse response) {}

  /**
   * @param maxAttempts nodes tried per request at most, each within the client's response timeout
   */
  public RoutedClient(UpstreamClient client, NodeHealth health, int maxAttempts) {
    this.client = client;
    this.health = health;
    this.limits = new CandidateWalk.Limits(maxAttempts, client.settings().responseTimeout(), null);
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
   * Accept. Fails with the walk's {@link CandidateWalk#unavailable} error when no node answered.
   */
  public CompletableFuture<Routed> get(
      NodeLocator ring,
      String routingKey,
      String path,
      @Nullable HttpHeaders headers,
      String role) {
    CandidateWalk walk =
        CandidateWalk.ownerFirst(
            role, ring.candidates(routingKey, ring.nodes().size()), health, limits);
    CompletableFuture<Routed> result = new CompletableFuture<>();
    attempt(walk, path, headers, result);
    return result;
  }

  private void attempt(
      CandidateWalk walk,
      String path,
      @Nullable HttpHeaders headers,
      CompletableFuture<Routed> result) {
    CandidateWalk.Attempt attempt = walk.next();
    if (attempt == null) {
      result.completeExceptionally(walk.unavailable());
      return;
    }
    client
        .get(attempt.node().address(), path, headers, attempt.timeout())
        .whenComplete(
            (response, failure) -> {
              if (failure != null) {
                walk.failed(attempt, failure);
                attempt(walk, path, headers, result);
              } else if (walk.refuses(attempt, response.status(), response.xCache()) != null) {
                attempt(walk, path, headers, result);
              } else {
                walk.answered(attempt, response.status(), response.xCache());
                result.complete(new Routed(attempt.node(), response));
              }
            });
  }
}
