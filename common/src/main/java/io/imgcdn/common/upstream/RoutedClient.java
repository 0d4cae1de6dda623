package io.imgcdn.common.upstream;

import io.imgcdn.common.cluster.NodeHealth;
import io.imgcdn.hashring.Node;
import io.imgcdn.hashring.NodeLocator;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Fetches a path, whole, from the node that owns a routing key, falling over to the next distinct
 * candidates on the ring as {@link CandidateWalk} says (node down, unreachable, timed out, or
 * answering a 5xx of its own), within the request's {@link Deadline}. Each request tells its node,
 * in {@link Deadline#HEADER}, how long its response head will be waited for; a body that keeps
 * coming after it is not cut (the next tier answers once it has a whole object, so its head comes
 * late and its body fast; cutting a 15 MB body that flows would throw away work done).
 */
public final class RoutedClient {
  private final UpstreamClient client;
  private final NodeHealth health;
  private final int maxAttempts;

  /** The answer and the node that gave it. */
  public record Routed(Node node, UpstreamResponse response) {}

  /**
   * @param maxAttempts nodes tried per request at most, each within the client's response timeout
   */
  public RoutedClient(UpstreamClient client, NodeHealth health, int maxAttempts) {
    this.client = client;
    this.health = health;
    this.maxAttempts = maxAttempts;
  }

  public NodeHealth health() {
    return health;
  }

  /**
   * {@link #get(NodeLocator, String, String, HttpHeaders, String, Deadline)} without a deadline.
   */
  public CompletableFuture<Routed> get(
      NodeLocator ring, String routingKey, String path, String role) {
    return get(ring, routingKey, path, null, role, null);
  }

  /**
   * GET {@code path} from {@code routingKey}'s nodes with extra request headers (null: none), e.g.
   * Accept, every response head within {@code deadline} (null: each within the client's response
   * timeout). Fails with the walk's {@link CandidateWalk#unavailable} error when no node answered.
   */
  public CompletableFuture<Routed> get(
      NodeLocator ring,
      String routingKey,
      String path,
      @Nullable HttpHeaders headers,
      String role,
      @Nullable Deadline deadline) {
    CandidateWalk walk =
        CandidateWalk.ownerFirst(
            role,
            ring.candidates(routingKey, ring.nodes().size()),
            health,
            new CandidateWalk.Limits(
                maxAttempts,
                client.settings().responseTimeout(),
                deadline == null ? null : deadline.left()));
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
    if (!attempt.delay().isZero()) {
      // the walk holds on to a node that restarts: try it again shortly
      CompletableFuture.delayedExecutor(attempt.delay().toNanos(), TimeUnit.NANOSECONDS)
          .execute(() -> send(walk, attempt, path, headers, result));
      return;
    }
    send(walk, attempt, path, headers, result);
  }

  private void send(
      CandidateWalk walk,
      CandidateWalk.Attempt attempt,
      String path,
      @Nullable HttpHeaders headers,
      CompletableFuture<Routed> result) {
    HttpHeaders request = new DefaultHttpHeaders();
    if (headers != null) {
      request.add(headers);
    }
    Deadline.put(request, attempt.timeout());
    client
        .collect(attempt.node().address(), path, request, attempt.timeout())
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
