package io.imgcdn.launcher.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.launcher.faults.ZipfLoad.Outcome;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, S3 slow or failing: with the S3 behind an {@link FaultProxy}, cached objects keep being
 * served while uncached ones fail fast with 502/504, and misses succeed again by themselves once S3
 * heals.
 */
class S3FaultTest {
  /*
   * Two loads at once through one edge: 6 clients over 100 warm keys (Zipf; hits at the edge or, since the
   * edge's memory is small, at a shard) and 4 clients asking for a new cold key each time (every one a
   * miss down to S3). Phases are driven by the miss load's count (and the first one by 1500 hits, a
   * baseline for the hits' throughput and latency): healthy, S3 slow (every request delayed 10 s),
   * S3 answering 503 SlowDown, S3 resetting connections, healed.
   * Deadlines: origin.s3.timeout 1 s (how long S3 may stay silent, retries included); shard upstream
   * response-timeout 3 s; edge upstream response-timeout 4 s and deadline 8 s (a miss across all its
   * candidates), so the origin is the one that gives up first, as it should. The bound checked is the
   * edge's deadline, below the 10 s a miss would take if anything waited for the slow S3. (Each miss takes
   * about 2 x origin.s3.timeout: see bench/results/2026-11-reliability.md (finding 1) on the edge
   * trying a second shard after a relayed 5xx.)
   * The S3 circuit breaker is off here, so every miss meets the fault; DeadlineBudgetTest shows it.
   */
  private static final Duration S3_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration S3_DELAY = Duration.ofSeconds(10);
  private static final Duration EDGE_RESPONSE_TIMEOUT = Duration.ofSeconds(4);
  private static final Duration EDGE_DEADLINE = Duration.ofSeconds(8);
  private static final int MISSES_PER_PHASE = 8;
  private static final String[] PHASES = {"healthy", "slow", "503", "reset", "healed"};

  @TempDir Path dir;
  FaultCluster cluster;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void s3SlowFailingResetting_hitsServedMissesFailFastThenRecover() throws Exception {
    cluster =
        FaultCluster.start(
            dir,
            FaultCluster.Options.inProcess(3)
                .edgeCacheBytes(256 << 10)
                .settings(
                    Map.of(
                        "origin.s3.timeout", S3_TIMEOUT.toMillis() + "ms",
                        "origin.s3.breaker.timeouts", "0",
                        "shard.upstream.response-timeout", "3s",
                        "edge.upstream.response-timeout", EDGE_RESPONSE_TIMEOUT.toMillis() + "ms",
                        "edge.upstream.deadline", EDGE_DEADLINE.toMillis() + "ms")));
    ObjectSet warm = ObjectSet.put(cluster.s3(), "warm", 100, 7);
    ObjectSet cold = ObjectSet.put(cluster.s3(), "cold", 200, 8);
    // The SDK's first call loads and initialises its classes: about 1 s here, as long as the S3
    // deadline this
    // test sets. One request through the origin first, so the deadline is measured on a warm
    // client.
    for (int attempt = 0;
        attempt < 3 && get(cold.path(cold.size() - 1)).statusCode() != 200;
        attempt++) {
      // cold SDK: try again
    }
    for (int k = 0; k < warm.size(); k++) {
      HttpResponse<byte[]> r =
          http.send(
              HttpRequest.newBuilder(URI.create(cluster.edgeUrl() + warm.path(k))).build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(r.statusCode())
          .as(
              "%s: %s %s",
              warm.path(k),
              r.headers().firstValue("X-Cache"),
              r.statusCode() == 200 ? "" : new String(r.body(), StandardCharsets.UTF_8))
          .isEqualTo(200);
    }

    ZipfLoad hits =
        new ZipfLoad(cluster.edgeUrl(), warm, 0.9, 6, 1_000_000, Duration.ofSeconds(30)).start();
    ZipfLoad misses =
        ZipfLoad.sequential(cluster.edgeUrl(), cold, 4, 1_000_000, Duration.ofSeconds(30));
    List<Outcome> hitOutcomes;
    List<Outcome> missOutcomes;
    long[] phaseStart = new long[PHASES.length + 1];
    long[] proxyRequests = new long[PHASES.length + 1];
    try {
      FaultProxy.Mode[] modes = {
        new FaultProxy.Mode.Pass(),
        new FaultProxy.Mode.Delay(S3_DELAY),
        new FaultProxy.Mode.ErrorStatus(503),
        new FaultProxy.Mode.Reset(),
        new FaultProxy.Mode.Pass()
      };
      for (int p = 0; p < modes.length; p++) {
        cluster.proxy().mode(modes[p]);
        hits.phase(p);
        misses.phase(p);
        phaseStart[p] = System.nanoTime();
        proxyRequests[p] = cluster.proxy().requests();
        int phase = p;
        if (p == 0) {
          assertThat(hits.awaitRequests(1_500, Duration.ofSeconds(60)))
              .as("a baseline for the hits")
              .isTrue();
          misses.start();
        }
        assertThat(
                misses.awaitOutcomes(
                    o -> o.phase() == phase, MISSES_PER_PHASE, Duration.ofSeconds(90)))
            .as("phase " + PHASES[p])
            .isTrue();
      }
      phaseStart[PHASES.length] = System.nanoTime();
      proxyRequests[PHASES.length] = cluster.proxy().requests();
    } finally {
      hitOutcomes = hits.stop();
      missOutcomes = misses.stop();
      hits.close();
      misses.close();
    }

    // Requests sent under one S3 condition and answered under the next are left out of the
    // per-phase checks
    // (either answer is right for them) and counted apart.
    long shardHits =
        hitOutcomes.stream().filter(o -> o.xCache().matches(".*shard-\\d+;hit.*")).count();
    for (int p = 0; p < PHASES.length; p++) {
      int phase = p;
      List<Outcome> h =
          hitOutcomes.stream().filter(o -> o.phase() == phase && o.withinPhase()).toList();
      List<Outcome> m =
          missOutcomes.stream().filter(o -> o.phase() == phase && o.withinPhase()).toList();
      System.out.printf(
          "FAULTS s3 %-7s hits %s statuses %s | misses %s statuses %s | S3 requests %d%n",
          PHASES[p],
          Figures.summary(h, phaseStart[p], phaseStart[p + 1]),
          Figures.statuses(h),
          Figures.summary(m, phaseStart[p], phaseStart[p + 1]),
          Figures.statuses(m),
          proxyRequests[p + 1] - proxyRequests[p]);
    }
    System.out.printf(
        "FAULTS s3: %d shard hits among the hits; %d hits and %d misses straddled a phase change%n",
        shardHits,
        hitOutcomes.stream().filter(o -> !o.withinPhase()).count(),
        missOutcomes.stream().filter(o -> !o.withinPhase()).count());
    List<Outcome> badHits = hitOutcomes.stream().filter(o -> !o.ok()).toList();
    badHits.stream().limit(10).forEach(o -> System.out.println("FAULTS s3 failed hit: " + o));

    assertThat(hitOutcomes.stream().filter(o -> o.phase() >= 1 && o.phase() <= 3).count())
        .isPositive();
    assertThat(shardHits).as("the load reached the shards' stores too").isPositive();
    assertThat(badHits)
        .as("cached objects are served whatever S3 does (straddling or not)")
        .isEmpty();
    for (Outcome o : missOutcomes) {
      if (!o.withinPhase()) {
        continue;
      }
      if (o.phase() == 0 || o.phase() == 4) {
        assertThat(o.ok()).as("%s miss: %s", PHASES[o.phase()], o).isTrue();
      } else {
        assertThat(o.status()).as("%s miss: %s", PHASES[o.phase()], o).isIn(502, 504);
        assertThat(o.millis())
            .as("%s miss within the edge's deadline: %s", PHASES[o.phase()], o)
            .isLessThan(EDGE_DEADLINE.toMillis());
      }
    }
    assertThat(missOutcomes.stream().filter(o -> o.phase() == 4 && o.withinPhase()).count())
        .as("healed: misses succeed again without intervention")
        .isPositive();
  }

  private HttpResponse<byte[]> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(cluster.edgeUrl() + path)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }
}
