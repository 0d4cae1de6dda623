package io.imgcdn.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 5: adding a shard to a warm cluster must not send the keys it takes over back to S3. */
class ShardHandoffTest {
  @TempDir Path dir;
  LocalCluster cluster;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private HttpResponse<byte[]> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(cluster.edgeUrl() + path)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  /** Originals fetched from S3 so far, from the origin's own metrics. */
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

  @Test
  void addShard_warmCluster_takenOverKeysComeFromPreviousOwnersNotS3() throws Exception {
    cluster =
        LocalCluster.start(
            new LocalCluster.Layout(
                dir, 0, 0, 0, 3, 0, 0, 32L << 20, 64L << 20, Demo.SIGNING_KEY, Map.of()));
    int keys = 80;
    for (int i = 0; i < keys; i++) {
      cluster
          .s3()
          .put(
              "h/k" + i + ".bin",
              ("object " + i).getBytes(StandardCharsets.UTF_8),
              "application/octet-stream");
    }
    for (int i = 0; i < keys; i++) {
      assertThat(get("/h/k" + i + ".bin").statusCode()).isEqualTo(200);
    }
    long warm = originRequests();
    assertThat(warm).isEqualTo(keys);

    cluster.addShard();
    cluster.restartEdge(); // empty the memory tier so every request reaches a shard
    int onNewShard = 0;
    for (int i = 0; i < keys; i++) {
      HttpResponse<byte[]> r = get("/h/k" + i + ".bin");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("object " + i);
      String xCache = r.headers().firstValue("X-Cache").orElse("");
      if (xCache.contains("shard-4;")) {
        onNewShard++;
        assertThat(xCache)
            .as("handed off by the previous owner")
            .matches("edge-1;miss, shard-4;miss, shard-\\d;hit");
      } else {
        assertThat(xCache).matches("edge-1;miss, shard-[123];hit");
      }
    }
    assertThat(onNewShard)
        .as("the 4th shard takes about a quarter of the keys")
        .isBetween(keys / 10, keys / 2);
    assertThat(originRequests()).as("no key went back to S3").isEqualTo(warm);

    // The new owner stored what it was handed: the next round is a plain shard-4 hit.
    cluster.restartEdge();
    long hits = 0;
    for (int i = 0; i < keys; i++) {
      String xCache = get("/h/k" + i + ".bin").headers().firstValue("X-Cache").orElse("");
      if (xCache.equals("edge-1;miss, shard-4;hit")) {
        hits++;
      }
    }
    assertThat(hits).isEqualTo(onNewShard);
  }
}
