package io.imgcdn.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.admin.ClusterPurge;
import io.imgcdn.common.cluster.ClusterFile;
import io.imgcdn.common.url.UrlSigner;
import io.imgcdn.hashring.Node;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17 on a real cluster (embedded S3, one origin, three shards on RocksDB, one edge, real
 * HTTP): missing keys cost S3 one GET per key per TTL, forged signatures and unknown presets are
 * answered at the edge, purges remove remembered 404s, and Mastodon's cache buster purges an
 * attachment on every node.
 */
class MediaHostClusterTest {
  static final String BUSTER_HEADER = "X-Mastodon-Cache-Buster";
  static final String BUSTER_SECRET = "buster-secret-0123456789abcdef";

  @TempDir static Path dir;
  static LocalCluster cluster;
  static ClusterHttp client;
  static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
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
                64L << 20,
                64L << 20,
                Demo.SIGNING_KEY,
                Map.of(
                    // longer than the default 60 s: 1,000 cold misses on a loaded machine
                    // must not outlast the TTL before their second request
                    "edge.negative-ttl", "5m",
                    "shard.negative-ttl", "5m",
                    "edge.cache-buster.method", "PURGE",
                    "edge.cache-buster.header", BUSTER_HEADER,
                    "edge.cache-buster.secret", BUSTER_SECRET)));
    cluster.s3().put("photos/a.jpg", ClusterEndToEndTest.jpeg(200, 100), "image/jpeg");
    client = new ClusterHttp(cluster);
    http = client.http();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void distinctMissingKeysReachS3OncePerKeyWithinTheTtl() throws Exception {
    int keys = 1000;
    // One cold request first: the S3 client's first connection and the JIT's first pass must not
    // meet 1,000 requests on a loaded machine (a timeout there would be a 504, not this test's
    // subject).
    assertThat(client.get("/flood/warm-up.jpg").statusCode()).isEqualTo(404);
    for (int pass = 1; pass <= 2; pass++) {
      List<CompletableFuture<HttpResponse<String>>> batch = new ArrayList<>();
      for (int i = 0; i < keys; i++) {
        batch.add(
            http.sendAsync(
                HttpRequest.newBuilder(URI.create(cluster.edgeUrl() + "/flood/" + i + ".jpg"))
                    .build(),
                HttpResponse.BodyHandlers.ofString()));
        if (batch.size() == 8 || i == keys - 1) {
          for (CompletableFuture<HttpResponse<String>> f : batch) {
            HttpResponse<String> r = f.join();
            assertThat(r.statusCode()).as(r.uri() + " " + r.body()).isEqualTo(404);
            assertThat(r.body()).contains("no such object: flood/");
            assertThat(ClusterHttp.maxAge(r)).isBetween(1L, 300L);
            if (pass == 2) {
              assertThat(r.headers().firstValue("X-Cache")).hasValue("edge-1;hit");
            }
          }
          batch.clear();
        }
      }
    }
    for (int i = 0; i < keys; i++) {
      assertThat(cluster.s3().getRequests("flood/" + i + ".jpg"))
          .as("S3 GETs of key %d", i)
          .isEqualTo(1);
    }
    // The shard remembers them too: asked directly, the owner answers from memory.
    String path = "/flood/7.jpg";
    Node owner = cluster.edge().router().route(path).candidates().getFirst();
    HttpResponse<String> direct = client.send("GET", "http://" + owner.address() + path);
    assertThat(direct.statusCode()).isEqualTo(404);
    assertThat(direct.headers().firstValue("X-Cache")).hasValue(owner.id() + ";hit");
    assertThat(ClusterHttp.maxAge(direct)).isBetween(1L, 300L);
    assertThat(cluster.s3().getRequests("flood/7.jpg")).isEqualTo(1);
  }

  @Test
  void forgedSignaturesAndUnknownPresetsAreAnsweredAtTheEdge() throws Exception {
    long before = client.shardRequests();
    String forged = "A".repeat(UrlSigner.SIGNATURE_CHARS);
    HttpResponse<String> r = client.get("/t/" + forged + "/w=100/photos/a.jpg");
    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).contains("invalid signature for w=100/photos/a.jpg");
    assertThat(r.headers().firstValue("X-Cache")).hasValue("edge-1;refused");
    HttpResponse<String> shortSignature = client.get("/t/AAAAAAAAAA/w=100/photos/a.jpg");
    assertThat(shortSignature.statusCode()).isEqualTo(403);
    HttpResponse<String> preset = client.get("/v/nosuch/photos/a.jpg");
    assertThat(preset.statusCode()).isEqualTo(404);
    assertThat(preset.body()).contains("unknown preset: nosuch (known: ").contains("w150");
    assertThat(client.shardRequests()).as("requests that reached a shard").isEqualTo(before);

    // The real signature and a known preset still go through.
    String signed =
        new UrlSigner(Demo.SIGNING_KEY.getBytes(StandardCharsets.UTF_8)).sign("w=100/photos/a.jpg");
    assertThat(client.get("/t/" + signed + "/w=100/photos/a.jpg").statusCode()).isEqualTo(200);
    assertThat(client.get("/v/w150/photos/a.jpg").statusCode()).isEqualTo(200);
    assertThat(client.shardRequests()).isEqualTo(before + 2);
  }

  @Test
  void aPurgeRemovesARememberedMissOnEveryTier() throws Exception {
    String key = "late/upload.jpg";
    assertThat(client.get("/" + key).statusCode()).isEqualTo(404);
    cluster.s3().put(key, ClusterEndToEndTest.jpeg(64, 64), "image/jpeg");
    HttpResponse<String> remembered = client.get("/" + key);
    assertThat(remembered.statusCode()).as("uploaded, but the 404 is remembered").isEqualTo(404);
    assertThat(remembered.headers().firstValue("X-Cache")).hasValue("edge-1;hit");
    assertThat(cluster.s3().getRequests(key)).isEqualTo(1);

    List<ClusterPurge.Outcome> outcomes =
        ClusterPurge.send(
                http,
                ClusterFile.read(cluster.clusterFile()),
                "path=" + URLEncoder.encode("/" + key, StandardCharsets.UTF_8),
                LocalCluster.ADMIN_TOKEN,
                Duration.ofSeconds(10),
                false)
            .join();
    assertThat(outcomes).hasSize(4).allMatch(ClusterPurge.Outcome::ok);

    HttpResponse<String> after = client.get("/" + key);
    assertThat(after.statusCode()).isEqualTo(200);
    assertThat(after.headers().firstValue("X-Cache").orElse(""))
        .startsWith("edge-1;miss, shard-")
        .contains(";miss, origin-1;");
    assertThat(cluster.s3().getRequests(key)).isEqualTo(2);
  }

  @Test
  void mastodonsCacheBusterPurgesAnAttachmentOnEveryNode() throws Exception {
    String dirKey = "media_attachments/files/109/348/912/425/512/345/";
    String original = dirKey + "original/0a1b2c3d.jpg";
    String small = dirKey + "small/0a1b2c3d.jpg";
    cluster.s3().put(original, ClusterEndToEndTest.jpeg(300, 200), "image/jpeg");
    cluster.s3().put(small, ClusterEndToEndTest.jpeg(60, 40), "image/jpeg");
    List<String> urls = List.of("/" + original, "/v/w150/" + original, "/" + small);
    for (String u : urls) {
      assertThat(client.get(u).statusCode()).isEqualTo(200);
      assertThat(client.get(u).headers().firstValue("X-Cache")).as(u).hasValue("edge-1;hit");
    }
    long originalGets = cluster.s3().getRequests(original);
    long smallGets = cluster.s3().getRequests(small);

    String target = cluster.edgeUrl() + "/" + original;
    HttpResponse<String> wrong =
        client.send("PURGE", target, BUSTER_HEADER, "not-the-secret-0123456789");
    assertThat(wrong.statusCode()).isEqualTo(403);
    assertThat(wrong.body()).contains("wrong secret in " + BUSTER_HEADER);
    HttpResponse<String> missing = client.send("PURGE", target);
    assertThat(missing.statusCode()).isEqualTo(403);
    assertThat(missing.body()).contains("no " + BUSTER_HEADER + " header");
    for (String u : urls) {
      assertThat(client.get(u).headers().firstValue("X-Cache"))
          .as("refused: nothing purged, " + u)
          .hasValue("edge-1;hit");
    }
    // Another method than the configured one is still not allowed.
    assertThat(client.send("DELETE", target, BUSTER_HEADER, BUSTER_SECRET).statusCode())
        .isEqualTo(405);

    HttpResponse<String> bust = client.send("PURGE", target, BUSTER_HEADER, BUSTER_SECRET);
    assertThat(bust.statusCode()).as(bust.body()).isEqualTo(200);
    assertThat(bust.body())
        .contains("purged every URL of " + original + ", " + small)
        .contains("on 5 of 5 nodes");

    // Every tier lost them: the edge misses, the owning shard misses, S3 is read again.
    for (String u : urls) {
      HttpResponse<String> r = client.get(u);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("X-Cache").orElse(""))
          .as(u)
          .startsWith("edge-1;miss, shard-")
          .matches("edge-1;miss, shard-\\d;miss, origin-1;.*");
    }
    assertThat(cluster.s3().getRequests(original)).isGreaterThan(originalGets);
    assertThat(cluster.s3().getRequests(small)).isGreaterThan(smallGets);
  }
}
