package io.imgcdn.common.admin;

import io.imgcdn.common.cluster.Membership;
import io.imgcdn.hashring.Node;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * A purge sent to every edge and every shard of a cluster (and its origins, for originals) through
 * their admin ports: {@code POST /admin/purge?path=...&original=...} with the admin token. Used by
 * {@code imgcdn purge} and by the edge's cache buster.
 */
public final class ClusterPurge {
  /*
   * Every shard, not only the key's owner and failover candidates: after a membership change a copy may sit
   * on the previous owner (hand-off reads it for shard.handoff-window), and a shard's ring view may differ
   * from the cluster file's for a reload interval. A purge is rare, and a request per shard is cheap. Every
   * edge, since every edge caches every URL. Origins keep no variants, only recently read originals in
   * memory: they are asked for originals only, so that an original replaced in S3 is read again rather than
   * resized from the old bytes. The nodes purge in parallel; one failure does not stop the others.
   */
  private ClusterPurge() {}

  /** One node's outcome. */
  public record Outcome(
      Node node, String role, @Nullable String admin, boolean ok, String detail) {}

  /**
   * Sends {@code query} to every edge and shard of {@code m}, and to its origins when {@code
   * origins}; completes when every node has answered or failed, in the order edges, shards,
   * origins. Never completes exceptionally.
   */
  public static CompletableFuture<List<Outcome>> send(
      HttpClient http,
      Membership m,
      String query,
      String token,
      Duration perNode,
      boolean origins) {
    List<Node> nodes = new ArrayList<>(m.edges());
    nodes.addAll(m.shards());
    if (origins) {
      nodes.addAll(m.origins());
    }
    List<CompletableFuture<Outcome>> calls = new ArrayList<>();
    for (Node n : nodes) {
      String role = m.edges().contains(n) ? "edge" : m.shards().contains(n) ? "shard" : "origin";
      calls.add(purge(http, n, role, m.adminAddress(n.id()), query, token, perNode));
    }
    return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new))
        .thenApply(v -> calls.stream().map(CompletableFuture::join).toList());
  }

  private static CompletableFuture<Outcome> purge(
      HttpClient http,
      Node node,
      String role,
      @Nullable String admin,
      String query,
      String token,
      Duration timeout) {
    if (admin == null) {
      return CompletableFuture.completedFuture(
          new Outcome(
              node, role, null, false, "no admin=host:port for this node in the cluster file"));
    }
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://" + admin + "/admin/purge?" + query))
            .timeout(timeout)
            .header("Authorization", "Bearer " + token)
            .POST(HttpRequest.BodyPublishers.noBody())
            .build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
        .handle(
            (r, failure) -> {
              if (failure != null) {
                Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
                return new Outcome(node, role, admin, false, "unreachable: " + cause);
              }
              String body = r.body().strip();
              return switch (r.statusCode()) {
                case 200 -> new Outcome(node, role, admin, true, body);
                case 401 ->
                    new Outcome(
                        node,
                        role,
                        admin,
                        false,
                        "401: wrong admin token (the node's admin.token)");
                default -> new Outcome(node, role, admin, false, r.statusCode() + ": " + body);
              };
            });
  }
}
