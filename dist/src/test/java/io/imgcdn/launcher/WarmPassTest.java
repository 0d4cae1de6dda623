package io.imgcdn.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.shard.ShardServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, warm-up: one pass over a set that fits, with enough requests in flight at once that
 * misses spill off their owners, leaves every key on its owner shard: the next pass (edge memory
 * emptied) sends nothing to the origin.
 */
class WarmPassTest {
  /*
   * 400 originals of 2-8 KB, 3 shards of 64 MiB, bounded loads on with the floor lowered to 4 (the
   * default, the edge's 64 pooled connections per shard, would take more requests in flight than the
   * embedded S3 answers in time on a loaded 2-core machine), so with IN_FLIGHT requests open at once
   * the first pass spills. A spilled miss is relayed from the owner, which stores it, so the second
   * pass (a restarted edge: every request reaches a shard) finds every key on its owner. Before issue
   * 20 the stand-in filled it from the origin and stored it, and the owner missed it on the next pass.
   */
  private static final int OBJECTS = 400;
  private static final int IN_FLIGHT = 48;

  @TempDir Path dir;
  LocalCluster cluster;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private HttpRequest request(int i) {
    return HttpRequest.newBuilder(URI.create(cluster.edgeUrl() + "/w/k" + i + ".bin"))
        .timeout(Duration.ofSeconds(60))
        .build();
  }

  private long originRequests() throws Exception {
    String metrics =
        http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + cluster.origin().adminPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    long total = 0;
    Matcher m =
        Pattern.compile("imgcdn_requests_total\\{[^}]*tier=\"origin\"[^}]*} ([0-9.E]+)")
            .matcher(metrics);
    while (m.find()) {
      total += (long) Double.parseDouble(m.group(1));
    }
    return total;
  }

  private double edgeMetric(String name) throws Exception {
    String metrics =
        http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + cluster.edge().adminPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Matcher m = Pattern.compile("(?m)^" + name + "(\\{[^}]*})? ([0-9.eE+-]+)$").matcher(metrics);
    double total = 0;
    while (m.find()) {
      total += Double.parseDouble(m.group(2));
    }
    return total;
  }

  @Test
  void onePassConcurrent_setFits_nextPassSendsNothingToTheOrigin() throws Exception {
    cluster =
        LocalCluster.start(
            new LocalCluster.Layout(
                dir,
                0,
                0,
                0,
                3,
                0,
                0,
                32L << 20,
                64L << 20,
                Demo.SIGNING_KEY,
                Map.of("edge.upstream.balance-floor", "4", "origin.s3.timeout", "12s")));
    for (int i = 0; i < OBJECTS; i++) {
      cluster
          .s3()
          .put("w/k" + i + ".bin", new byte[2048 + (i * 97) % 6144], "application/octet-stream");
    }
    // The shards start before the cluster file lists them, and would see each other only at their
    // next file check (2 s): a stand-in that knows no owner fills as a plain miss. Reload now, as
    // an
    // operator's start-up does once the file is complete.
    for (ShardServer shard : cluster.shards()) {
      HttpResponse<String> reloaded =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + shard.adminPort() + "/admin/cluster/reload"))
                  .header("Authorization", "Bearer " + LocalCluster.ADMIN_TOKEN)
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(reloaded.statusCode()).as(reloaded.body()).isEqualTo(200);
    }
    Semaphore slots = new Semaphore(IN_FLIGHT);
    List<CompletableFuture<Integer>> first = new ArrayList<>();
    for (int i = 0; i < OBJECTS; i++) {
      slots.acquire();
      first.add(
          http.sendAsync(request(i), HttpResponse.BodyHandlers.discarding())
              .whenComplete((r, e) -> slots.release())
              .thenApply(HttpResponse::statusCode));
    }
    for (CompletableFuture<Integer> f : first) {
      assertThat(f.join()).isEqualTo(200);
    }
    long afterFirst = originRequests();
    assertThat(edgeMetric("imgcdn_edge_spills_total")).as("the first pass spilled").isPositive();
    assertThat(afterFirst).as("each original asked of the origin once").isEqualTo(OBJECTS);

    cluster.restartEdge(); // every request of the next pass reaches a shard
    for (int i = 0; i < OBJECTS; i++) {
      HttpResponse<byte[]> r = http.send(request(i), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("X-Cache").orElse(""))
          .as("key %d on its shard", i)
          .matches("edge-1;miss, shard-\\d;hit");
    }
    assertThat(originRequests())
        .as("the second pass sent nothing to the origin")
        .isEqualTo(afterFirst);
  }
}
