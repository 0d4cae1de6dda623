package io.imgcdn.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.url.UrlSigner;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mastodon's defaults on a real cluster: the cache buster's GET (CACHE_BUSTER_HTTP_METHOD unset)
 * beside readers' GETs of the same URL; and an edge without the signing key, where a forged /t/ URL
 * reaches the origin once and its 403 is then remembered by the shard and the edge (default TTL 60
 * s).
 */
class MastodonDefaultsClusterTest {
  static final String SECRET = "mastodon-buster-secret-0123456789";

  @TempDir static Path dir;
  static LocalCluster cluster;
  static ClusterHttp client;

  @BeforeAll
  static void start() throws Exception {
    cluster =
        LocalCluster.start(
            new LocalCluster.Layout(
                dir,
                0,
                0,
                0,
                2,
                0,
                0,
                64L << 20,
                64L << 20,
                Demo.SIGNING_KEY,
                Map.of("edge.cache-buster.secret", SECRET, "edge.signing-key", "")));
    client = new ClusterHttp(cluster);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void theBustersGetPurgesAndAReadersGetIsServed() throws Exception {
    String key = "cache/accounts/avatars/109/348/912/original/avatar.jpg";
    cluster.s3().put(key, ClusterEndToEndTest.jpeg(80, 80), "image/jpeg");
    String url = cluster.edgeUrl() + "/" + key;
    assertThat(client.send("GET", url).statusCode()).isEqualTo(200);
    var reader = client.send("GET", url);
    assertThat(reader.statusCode()).isEqualTo(200);
    assertThat(reader.headers().firstValue("X-Cache")).hasValue("edge-1;hit");

    var wrong = client.send("GET", url, "X-Cache-Buster-Secret", "wrong");
    assertThat(wrong.statusCode()).isEqualTo(403);
    assertThat(client.send("GET", url).headers().firstValue("X-Cache")).hasValue("edge-1;hit");

    var bust = client.send("GET", url, "X-Cache-Buster-Secret", SECRET);
    assertThat(bust.statusCode()).as(bust.body()).isEqualTo(200);
    assertThat(bust.body()).contains("purged every URL of " + key + " on 4 of 4 nodes");
    var after = client.send("GET", url);
    assertThat(after.statusCode()).isEqualTo(200);
    assertThat(after.headers().firstValue("X-Cache").orElse(""))
        .matches("edge-1;miss, shard-\\d;miss, origin-1;.*");
  }

  @Test
  void withoutTheKeyAtTheEdgeAForgedSignaturesOriginAnswerIsRemembered() throws Exception {
    String path = "/t/" + "B".repeat(UrlSigner.SIGNATURE_CHARS) + "/w=90/photos/none.jpg";
    var first = client.get(path);
    assertThat(first.statusCode()).isEqualTo(403);
    assertThat(first.body()).contains("invalid signature for w=90/photos/none.jpg");
    assertThat(first.headers().firstValue("X-Cache").orElse(""))
        .matches("edge-1;miss, shard-\\d;miss, origin-1;.*");
    assertThat(ClusterHttp.maxAge(first)).isBetween(1L, 60L);
    long shardRequests = client.shardRequests();
    var second = client.get(path);
    assertThat(second.statusCode()).isEqualTo(403);
    assertThat(second.headers().firstValue("X-Cache")).hasValue("edge-1;hit");
    assertThat(ClusterHttp.maxAge(second)).isBetween(1L, 60L);
    assertThat(client.shardRequests()).isEqualTo(shardRequests);
  }
}
