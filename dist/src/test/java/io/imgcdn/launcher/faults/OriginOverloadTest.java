package io.imgcdn.launcher.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.launcher.faults.ZipfLoad.Outcome;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, origin overload: bursts of distinct uncached variants, far more than the origin's image
 * pool takes (origin.workers=1, origin.queue=2), get 503 with Retry-After while cached objects keep
 * being served.
 */
class OriginOverloadTest {
  /*
   * Hits: 4 clients over 100 warm originals (Zipf), at the edge or, the edge's memory being small, at a
   * shard. Bursts: 2 rounds of 40 concurrent requests, each for the w150 variant of a different JPEG
   * nobody asked for before. The origin makes at most 1 + 2 of them at a time and refuses the rest at
   * once; the shard and the edge pass the 503 on. Afterwards each refused variant is asked again, one at
   * a time: the origin makes it (nothing stayed stuck, and no tier cached the 503).
   */
  private static final int BURSTS = 2;
  private static final int BURST = 40;

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
  void distinctUncachedVariantsBurst_originAnswers503RetryAfterHitsStay200() throws Exception {
    cluster =
        FaultCluster.start(
            dir,
            FaultCluster.Options.inProcess(3)
                .originProcess()
                .edgeCacheBytes(256 << 10)
                .settings(Map.of("origin.workers", "1", "origin.queue", "2")));
    ObjectSet warm = ObjectSet.put(cluster.s3(), "warm", 100, 3);
    List<String> variants = new ArrayList<>();
    for (int i = 0; i < BURSTS * BURST; i++) {
      cluster.s3().put("img/p" + i + ".jpg", jpeg(i), "image/jpeg");
      variants.add("/v/w150/img/p" + i + ".jpg");
    }
    for (int k = 0; k < warm.size(); k++) {
      assertThat(get(warm.path(k)).statusCode()).isEqualTo(200);
    }

    List<HttpResponse<byte[]>> burstResponses = new ArrayList<>();
    List<Outcome> hitOutcomes;
    long baselineStart = System.nanoTime();
    long start;
    long gcBefore;
    long gcDuring;
    try (ZipfLoad hits =
        new ZipfLoad(cluster.edgeUrl(), warm, 0.9, 4, 1_000_000, Duration.ofSeconds(30))) {
      hits.start();
      assertThat(hits.awaitRequests(2_000, Duration.ofSeconds(60))).isTrue();
      hits.phase(1);
      start = System.nanoTime();
      gcBefore = gcMillis();
      for (int b = 0; b < BURSTS; b++) {
        List<CompletableFuture<HttpResponse<byte[]>>> burst = new ArrayList<>();
        for (String v : variants.subList(b * BURST, (b + 1) * BURST)) {
          burst.add(
              http.sendAsync(
                  HttpRequest.newBuilder(URI.create(cluster.edgeUrl() + v))
                      .timeout(Duration.ofSeconds(30))
                      .build(),
                  HttpResponse.BodyHandlers.ofByteArray()));
        }
        burst.forEach(f -> burstResponses.add(f.join()));
      }
      hitOutcomes = hits.stop();
      gcDuring = gcMillis() - gcBefore;
    }
    long end = System.nanoTime();

    Map<Integer, Long> burstStatus = new TreeMap<>();
    List<String> refused = new ArrayList<>();
    for (HttpResponse<byte[]> r : burstResponses) {
      burstStatus.merge(r.statusCode(), 1L, Long::sum);
      if (r.statusCode() == 503) {
        refused.add(r.uri().getPath());
        assertThat(r.headers().firstValue("Retry-After"))
            .as(r.uri() + " " + r.headers().map())
            .isPresent();
      }
    }
    List<Outcome> baseline = hitOutcomes.stream().filter(o -> o.phase() == 0).toList();
    List<Outcome> duringBursts = hitOutcomes.stream().filter(o -> o.phase() == 1).toList();
    long shardHits =
        hitOutcomes.stream().filter(o -> o.xCache().matches(".*shard-\\d+;hit.*")).count();
    List<Outcome> badHits = hitOutcomes.stream().filter(o -> !o.ok()).toList();
    String originMetrics = cluster.metrics(cluster.origin().adminPort());
    System.out.printf(
        "FAULTS overload: bursts of %d distinct variants x %d: statuses %s; hits before the bursts "
            + "%s, during %s; %d shard hits, failed %d; origin answered 5xx %.0f times%n",
        BURST,
        BURSTS,
        burstStatus,
        Figures.summary(baseline, baselineStart, start),
        Figures.summary(duringBursts, start, end),
        shardHits,
        badHits.size(),
        FaultCluster.metric(originMetrics, "imgcdn_responses_total", "status=\"5xx\""));
    System.out.printf(
        "FAULTS overload: during the bursts (%d ms; the test JVM, edge and shards, spent %d ms of"
            + " it in GC), edge hits %s; shard hits %s%n",
        (end - start) / 1_000_000,
        gcDuring,
        Figures.summary(
            duringBursts.stream().filter(o -> o.xCache().equals("edge-1;hit")).toList(),
            start,
            end),
        Figures.summary(
            duringBursts.stream().filter(o -> o.xCache().matches(".*shard-\\d+;hit.*")).toList(),
            start,
            end));
    badHits.stream().limit(10).forEach(o -> System.out.println("FAULTS overload failed hit: " + o));

    assertThat(burstStatus.keySet()).as("only made or refused").isSubsetOf(200, 503);
    assertThat(refused).as("the origin refuses what it cannot queue").isNotEmpty();
    assertThat(burstStatus.getOrDefault(200, 0L)).as("and makes what it can").isPositive();
    assertThat(shardHits).isPositive();
    assertThat(duringBursts).isNotEmpty();
    assertThat(badHits).as("hits are unaffected").isEmpty();
    assertThat(cluster.childLeakReports()).as("Netty leak reports of the origin process").isEmpty();

    for (String v : refused) {
      HttpResponse<byte[]> r = get(v);
      assertThat(r.statusCode())
          .as("%s asked again alone: %s", v, r.headers().firstValue("X-Cache"))
          .isEqualTo(200);
      assertThat(r.headers().firstValue("X-Cache").orElse("")).as(v).endsWith("origin-1;miss");
    }
  }

  /** Time this JVM (every node of the cluster, and the load) spent in garbage collection so far. */
  static long gcMillis() {
    return java.lang.management.ManagementFactory.getGarbageCollectorMXBeans().stream()
        .mapToLong(java.lang.management.GarbageCollectorMXBean::getCollectionTime)
        .sum();
  }

  private static byte[] jpeg(int seed) throws Exception {
    BufferedImage img = new BufferedImage(640, 480, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setPaint(
        new GradientPaint(
            0,
            0,
            new Color(seed * 37 % 256, 80, 160),
            640,
            480,
            new Color(30, seed * 91 % 256, 60)));
    g.fillRect(0, 0, 640, 480);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "jpg", out);
    return out.toByteArray();
  }

  private HttpResponse<byte[]> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(cluster.edgeUrl() + path)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }
}
