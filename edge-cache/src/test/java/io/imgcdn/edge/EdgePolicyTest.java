package io.imgcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.testing.NettyLeakWatch;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The response policy through a real edge in front of a fake shard: the headers on every response
 * path, preflight, per-prefix settings, active content, hotlink protection.
 */
class EdgePolicyTest {
  static final String CSP = "default-src 'none'; form-action 'none'; sandbox";

  @TempDir Path dir;
  private final NettyLeakWatch leaks = new NettyLeakWatch();
  private final FakeShard shard = new FakeShard("shard-1");
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private EdgeServer edge;

  @AfterEach
  void stop() {
    Edges.stopClean(edge, shard, leaks);
  }

  private void start(Map<String, String> settings) {
    edge = Edges.start(dir, List.of(shard), settings);
  }

  private HttpResponse<byte[]> send(String method, String path, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + path))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static void assertDefaultPolicy(HttpResponse<?> r) {
    HttpHeaders h = r.headers();
    assertThat(h.firstValue("Access-Control-Allow-Origin")).as(r.toString()).hasValue("*");
    assertThat(h.firstValue("X-Content-Type-Options")).as(r.toString()).hasValue("nosniff");
    assertThat(h.firstValue("Content-Security-Policy")).as(r.toString()).hasValue(CSP);
  }

  @Test
  void everyResponsePath_carriesTheDefaultPolicy() throws Exception {
    start(Map.of());
    shard.objects.put("/a.jpg", EdgeServerTest.bytes(1000, 1));
    shard.objects.put("/big.jpg", EdgeServerTest.bytes(400_000, 2)); // over max-object: streamed
    HttpResponse<byte[]> miss = send("GET", "/a.jpg");
    HttpResponse<byte[]> hit = send("GET", "/a.jpg");
    assertThat(hit.headers().firstValue("X-Cache")).hasValue("edge-1;hit");
    String etag = hit.headers().firstValue("ETag").orElseThrow();
    List<HttpResponse<byte[]>> all =
        List.of(
            miss,
            hit,
            send("HEAD", "/a.jpg"),
            send("GET", "/a.jpg", "If-None-Match", etag),
            send("GET", "/a.jpg", "Range", "bytes=0-9"),
            send("GET", "/a.jpg", "Range", "bytes=5000-"),
            send("GET", "/a.jpg", "If-Match", "\"other\""),
            send("GET", "/big.jpg"),
            send("GET", "/missing.jpg"),
            send("GET", "/a/../b.jpg"),
            send("POST", "/a.jpg"));
    assertThat(all.stream().map(HttpResponse::statusCode))
        .containsExactly(200, 200, 200, 304, 206, 416, 412, 200, 404, 400, 405);
    all.forEach(EdgePolicyTest::assertDefaultPolicy);
    assertThat(hit.headers().firstValue("Content-Disposition")).isEmpty();
    assertThat(all.get(10).headers().firstValue("Allow")).hasValue("GET, HEAD, OPTIONS");
    assertThat(send("GET", "/big.jpg").body()).hasSize(400_000);
  }

  @Test
  void preflight_answered204_onlyAtTheEdge() throws Exception {
    start(Map.of());
    HttpResponse<byte[]> r =
        send(
            "OPTIONS",
            "/media_attachments/a.jpg",
            "Origin",
            "https://elsewhere.example",
            "Access-Control-Request-Method",
            "GET",
            "Access-Control-Request-Headers",
            "range");
    assertThat(r.statusCode()).isEqualTo(204);
    assertDefaultPolicy(r);
    assertThat(r.headers().firstValue("Access-Control-Allow-Methods")).hasValue("GET, HEAD");
    assertThat(r.headers().firstValue("Access-Control-Allow-Headers").orElseThrow())
        .contains("Range");
    assertThat(r.headers().firstValue("Access-Control-Max-Age")).hasValue("86400");
    assertThat(shard.totalRequests()).isZero();
    HttpResponse<String> atShard =
        http.send(
            HttpRequest.newBuilder(URI.create("http://" + shard.address() + "/a.jpg"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(atShard.statusCode()).as("a shard serves GET and HEAD only").isEqualTo(405);
  }

  @Test
  void perPrefix_originAndHeaders_longestPrefixWins() throws Exception {
    start(
        Map.of(
            "edge.policy.prefix.media.match", "media_attachments/",
            "edge.policy.prefix.media.allow-origin", "https://social.example",
            "edge.policy.prefix.media.headers", "X-Robots-Tag: noindex; Timing-Allow-Origin: *",
            "edge.policy.prefix.originals.match", "media_attachments/files/",
            "edge.policy.prefix.originals.headers", "X-Robots-Tag: none"));
    shard.objects.put("/media_attachments/small/a.jpg", EdgeServerTest.bytes(100, 1));
    shard.objects.put("/media_attachments/files/a.jpg", EdgeServerTest.bytes(100, 2));
    shard.objects.put("/other/a.jpg", EdgeServerTest.bytes(100, 3));
    for (int pass = 0; pass < 2; pass++) { // a miss, then a pre-encoded hit
      HttpResponse<byte[]> media = send("GET", "/media_attachments/small/a.jpg");
      assertThat(media.headers().firstValue("Access-Control-Allow-Origin"))
          .hasValue("https://social.example");
      assertThat(media.headers().firstValue("X-Robots-Tag")).hasValue("noindex");
      assertThat(media.headers().firstValue("Timing-Allow-Origin")).hasValue("*");
      assertThat(media.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
      HttpResponse<byte[]> files = send("GET", "/media_attachments/files/a.jpg");
      assertThat(files.headers().firstValue("X-Robots-Tag")).hasValue("none");
      assertThat(files.headers().firstValue("Access-Control-Allow-Origin")).hasValue("*");
      HttpResponse<byte[]> other = send("GET", "/other/a.jpg");
      assertThat(other.headers().firstValue("X-Robots-Tag")).isEmpty();
      assertDefaultPolicy(other);
    }
  }

  @Test
  void activeContent_attachmentByDefault_onMissAndHit() throws Exception {
    start(Map.of());
    shard.objects.put(
        "/x.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>".getBytes(StandardCharsets.UTF_8));
    shard.types.put("/x.svg", "image/svg+xml");
    shard.objects.put("/p.html", "<p>hi</p>".getBytes(StandardCharsets.UTF_8));
    shard.types.put("/p.html", "text/html; charset=utf-8");
    for (String path : List.of("/x.svg", "/x.svg", "/p.html", "/p.html")) {
      HttpResponse<byte[]> r = send("GET", path);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Disposition")).as(path).hasValue("attachment");
      assertDefaultPolicy(r);
    }
  }

  @Test
  void activeContent_refused_onMissAndHit() throws Exception {
    start(Map.of("edge.policy.active-content", "refuse"));
    shard.objects.put(
        "/x.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>".getBytes(StandardCharsets.UTF_8));
    shard.types.put("/x.svg", "image/svg+xml");
    shard.objects.put("/a.jpg", EdgeServerTest.bytes(100, 1));
    for (int pass = 0; pass < 2; pass++) {
      HttpResponse<byte[]> r = send("GET", "/x.svg");
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("image/svg+xml");
      assertDefaultPolicy(r);
      assertThat(send("GET", "/a.jpg").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void hotlink_allowListPerPrefix_otherSites403_emptyRefererBySetting() throws Exception {
    start(
        Map.of(
            "edge.policy.prefix.pics.match", "pics/",
            "edge.policy.prefix.pics.referers", "social.example, *.pixiv.example",
            "edge.policy.prefix.pics.empty-referer", "deny"));
    shard.objects.put("/pics/a.jpg", EdgeServerTest.bytes(100, 1));
    shard.objects.put("/open/a.jpg", EdgeServerTest.bytes(100, 2));
    for (int pass = 0; pass < 2; pass++) {
      assertThat(send("GET", "/pics/a.jpg", "Referer", "https://social.example/@a").statusCode())
          .isEqualTo(200);
      assertThat(
              send("GET", "/pics/a.jpg", "Referer", "https://www.pixiv.example:8443/x")
                  .statusCode())
          .isEqualTo(200);
      HttpResponse<byte[]> other = send("GET", "/pics/a.jpg", "Referer", "https://evil.example/");
      assertThat(other.statusCode()).isEqualTo(403);
      assertThat(new String(other.body(), StandardCharsets.UTF_8)).contains("hotlink");
      assertDefaultPolicy(other);
      assertThat(
              send("GET", "/pics/a.jpg", "Referer", "https://pixiv.example.evil.example/")
                  .statusCode())
          .isEqualTo(403);
      assertThat(send("GET", "/pics/a.jpg").statusCode()).as("no Referer: deny").isEqualTo(403);
      assertThat(send("GET", "/open/a.jpg", "Referer", "https://evil.example/").statusCode())
          .isEqualTo(200);
    }
    assertThat(shard.requests("/pics/a.jpg")).as("refusals never reach the shard").isOne();
  }

  @Test
  void hotlink_emptyRefererAllowedByDefault() throws Exception {
    start(Map.of("edge.policy.referers", "social.example"));
    shard.objects.put("/a.jpg", EdgeServerTest.bytes(100, 1));
    assertThat(send("GET", "/a.jpg").statusCode()).isEqualTo(200);
    assertThat(send("GET", "/a.jpg", "Referer", "http://other.example/").statusCode())
        .isEqualTo(403);
  }
}
