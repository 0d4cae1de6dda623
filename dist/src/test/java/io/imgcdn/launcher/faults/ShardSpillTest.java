package io.imgcdn.launcher.faults;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 20, bounded-load spill on real tiers (edge, two shards on RocksDB, origin, embedded S3): a
 * hot key whose owner is overloaded goes to a stand-in shard, which relays the owner's copy: the
 * origin sees the key once, and the stand-in stores no duplicate.
 */
class ShardSpillTest {
  /*
   * Overload, made deterministic: shard-1 (the owner) is reached through a FaultProxy that delays every
   * request by DELAY, and BLOCKERS requests for other keys it owns are sent one after another, each once
   * the proxy has seen the one before (so none of them is itself moved: the owner stays below the floor
   * until the last is in flight). With the floor at BLOCKERS the owner then carries all of this edge's
   * requests in flight, over 1.25x the mean, so the next miss for a shard-1 key spills to shard-2.
   * Objects are above edge.cache.max-object-bytes, so the edge relays them and every request reaches a
   * shard. Health probes are spaced out and wait longer than DELAY, so shard-1 stays up (a spill, not a
   * fail-over) and the proxy counts only the test's requests.
   */
  private static final Duration DELAY = Duration.ofSeconds(4);
  private static final int BLOCKERS = 2;

  @TempDir Path dir;
  FaultCluster cluster;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private HttpResponse<byte[]> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static long crc(byte[] body) {
    CRC32C c = new CRC32C();
    c.update(body);
    return c.getValue();
  }

  @Test
  void hotKeyOnOverloadedOwner_spillsToStandIn_originOnceNoDuplicate() throws Exception {
    cluster =
        FaultCluster.start(
            dir,
            FaultCluster.Options.inProcess(2)
                .proxyInFrontOfShard(0)
                .settings(
                    Map.of(
                        "edge.upstream.balance-floor", String.valueOf(BLOCKERS),
                        "edge.health.interval", "10m",
                        "edge.cache.max-object-bytes", "1k",
                        "edge.health.timeout", "20s",
                        "origin.s3.timeout", "12s")));
    ObjectSet objects = ObjectSet.put(cluster.s3(), "spill", 40, 20, 4 * 1024, 16 * 1024);
    List<Integer> owned = new ArrayList<>(cluster.warmOwners(objects, 0));
    assertThat(owned).as("shard-1 owns enough keys").hasSizeGreaterThan(BLOCKERS);
    long originWarm = cluster.proxy().forwarded();
    assertThat(originWarm).as("one S3 GET per object").isEqualTo(objects.size());
    int hot = owned.get(BLOCKERS);
    double standInObjects =
        FaultCluster.metric(cluster.metrics(cluster.shard(1).adminPort()), "imgcdn_cache_objects");

    cluster.shardProxy().mode(new FaultProxy.Mode.Delay(DELAY));
    long seen = cluster.shardProxy().requests();
    List<CompletableFuture<HttpResponse<byte[]>>> blockers = new ArrayList<>();
    long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (int i = 0; i < BLOCKERS; i++) {
      blockers.add(
          http.sendAsync(
              HttpRequest.newBuilder(URI.create(cluster.edgeUrl() + objects.path(owned.get(i))))
                  .timeout(Duration.ofSeconds(60))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray()));
      while (cluster.shardProxy().requests() < seen + i + 1 && System.nanoTime() < waitUntil) {
        LockSupport.parkNanos(1_000_000);
      }
      assertThat(cluster.shardProxy().requests()).isEqualTo(seen + i + 1);
    }

    HttpResponse<byte[]> r = get(cluster.edgeUrl() + objects.path(hot));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(crc(r.body())).isEqualTo(objects.crc(hot));
    assertThat(r.headers().firstValue("X-Cache").orElse(""))
        .as("the stand-in shard-2 relayed the owner's stored copy")
        .isEqualTo("edge-1;miss, shard-2;miss, shard-1;hit");
    for (CompletableFuture<HttpResponse<byte[]>> b : blockers) {
      assertThat(b.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    assertThat(cluster.proxy().forwarded()).as("the origin saw no key again").isEqualTo(originWarm);
    String edgeMetrics = cluster.metrics(cluster.edge().adminPort());
    assertThat(FaultCluster.metric(edgeMetrics, "imgcdn_edge_spills_total")).isGreaterThan(0);
    String standIn = cluster.metrics(cluster.shard(1).adminPort());
    assertThat(FaultCluster.metric(standIn, "imgcdn_shard_spill_relays_total", "result=\"ok\""))
        .isGreaterThan(0);
    assertThat(FaultCluster.metric(standIn, "imgcdn_cache_objects"))
        .as("the stand-in stored nothing")
        .isEqualTo(standInObjects);
    // Asked for its own copy only (hand-off), the stand-in has none.
    HttpResponse<byte[]> own =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + cluster.shard(1).port() + objects.path(hot)))
                .header("X-Imgcdn-Handoff", "1")
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(own.statusCode()).as("no duplicate on the stand-in").isEqualTo(404);
  }

  /** Requests the origin tier has answered (its own count: it may serve them from memory). */
  private double originRequests() {
    return FaultCluster.metric(
        cluster.metrics(cluster.origin().adminPort()), "imgcdn_requests_total", "tier=\"origin\"");
  }

  @Test
  void hotKeyOnHungOwner_standInFetchesItselfWithoutStoring() throws Exception {
    cluster =
        FaultCluster.start(
            dir,
            FaultCluster.Options.inProcess(2)
                .proxyInFrontOfShard(0)
                .settings(
                    Map.of(
                        "edge.upstream.balance-floor", String.valueOf(BLOCKERS),
                        "edge.health.interval", "10m",
                        "edge.health.timeout", "20s",
                        "edge.cache.max-object-bytes", "1k",
                        "shard.upstream.deadline", "4s",
                        "origin.s3.timeout", "3s")));
    ObjectSet objects = ObjectSet.put(cluster.s3(), "hung", 40, 21, 4 * 1024, 16 * 1024);
    List<Integer> owned = new ArrayList<>(cluster.warmOwners(objects, 0));
    assertThat(owned).hasSizeGreaterThan(BLOCKERS);
    int hot = owned.get(BLOCKERS);
    double originWarm = originRequests();
    double standInObjects =
        FaultCluster.metric(cluster.metrics(cluster.shard(1).adminPort()), "imgcdn_cache_objects");

    // The owner now answers nothing (a partition that keeps connections open), and the edge has
    // BLOCKERS requests in flight on it.
    cluster.shardProxy().mode(new FaultProxy.Mode.Hang());
    long seen = cluster.shardProxy().requests();
    long waitUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    for (int i = 0; i < BLOCKERS; i++) {
      http.sendAsync(
          HttpRequest.newBuilder(URI.create(cluster.edgeUrl() + objects.path(owned.get(i))))
              .timeout(Duration.ofSeconds(60))
              .build(),
          HttpResponse.BodyHandlers.discarding());
      while (cluster.shardProxy().requests() < seen + i + 1 && System.nanoTime() < waitUntil) {
        LockSupport.parkNanos(1_000_000);
      }
      assertThat(cluster.shardProxy().requests()).isEqualTo(seen + i + 1);
    }

    HttpResponse<byte[]> r = get(cluster.edgeUrl() + objects.path(hot));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(crc(r.body())).isEqualTo(objects.crc(hot));
    assertThat(r.headers().firstValue("X-Cache").orElse(""))
        .as("the stand-in gave up on the owner and fetched it itself")
        .startsWith("edge-1;miss, shard-2;miss, origin-1;");
    assertThat(originRequests())
        .as("one more request to the origin: the owner could not be asked")
        .isEqualTo(originWarm + 1);
    String standIn = cluster.metrics(cluster.shard(1).adminPort());
    assertThat(FaultCluster.metric(standIn, "imgcdn_shard_spill_relays_total", "result=\"failed\""))
        .isGreaterThan(0);
    assertThat(FaultCluster.metric(standIn, "imgcdn_cache_objects"))
        .as("still no duplicate on the stand-in")
        .isEqualTo(standInObjects);
  }
}
