package io.imgcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.testing.NettyLeakWatch;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One edge in front of one fake shard, over real HTTP: hits, misses, conditional and range
 * requests.
 */
class EdgeServerTest {
  @TempDir static Path dir;
  static FakeShard shard;
  static EdgeServer edge;
  static HttpClient http;
  static NettyLeakWatch leaks;

  @BeforeAll
  static void start() {
    leaks = new NettyLeakWatch();
    shard = new FakeShard("shard-1");
    edge = Edges.start(dir, List.of(shard), Map.of());
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  @AfterAll
  static void stop() {
    edge.close();
    shard.close();
    assertThat(edge.cache().liveBuffers()).as("every body freed after close").isZero();
    assertThat(leaks.leaks()).isEmpty();
    leaks.close();
  }

  static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) (seed + i * 7);
    }
    return b;
  }

  static HttpResponse<byte[]> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + path));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static String xCache(HttpResponse<?> r) {
    return r.headers().firstValue("X-Cache").orElse("");
  }

  @Test
  void get_missThenHit_byteIdenticalAndVerdicts() throws Exception {
    byte[] body = bytes(10_000, 1);
    shard.objects.put("/a.jpg", body);
    HttpResponse<byte[]> first = get("/a.jpg");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).isEqualTo(body);
    assertThat(xCache(first)).isEqualTo("edge-1;miss, shard-1;hit");
    HttpResponse<byte[]> second = get("/a.jpg");
    assertThat(second.body()).isEqualTo(body);
    assertThat(xCache(second)).isEqualTo("edge-1;hit");
    assertThat(second.headers().firstValue("ETag")).isEqualTo(first.headers().firstValue("ETag"));
    assertThat(second.headers().firstValue("Content-Type")).hasValue("image/jpeg");
    assertThat(second.headers().firstValue("Cache-Control").orElse("")).contains("immutable");
    assertThat(second.headers().firstValue("Date")).isPresent();
    assertThat(shard.requests("/a.jpg")).isEqualTo(1);
  }

  @Test
  void head_onMissAndOnHit_headersOfGetWithoutBody() throws Exception {
    byte[] body = bytes(5000, 2);
    shard.objects.put("/head.jpg", body);
    for (int i = 0; i < 2; i++) {
      HttpResponse<byte[]> head =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + "/head.jpg"))
                  .method("HEAD", HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(head.statusCode()).isEqualTo(200);
      assertThat(head.body()).isEmpty();
      assertThat(head.headers().firstValue("Content-Length")).hasValue("5000");
    }
    assertThat(get("/head.jpg").body()).isEqualTo(body);
  }

  @Test
  void conditionalAndRange_onHit_304And206And416() throws Exception {
    byte[] body = bytes(1000, 3);
    shard.objects.put("/r.jpg", body);
    String etag = get("/r.jpg").headers().firstValue("ETag").orElseThrow();
    HttpResponse<byte[]> notModified = get("/r.jpg", "If-None-Match", etag);
    assertThat(notModified.statusCode()).isEqualTo(304);
    assertThat(notModified.body()).isEmpty();
    assertThat(notModified.headers().firstValue("ETag")).hasValue(etag);

    HttpResponse<byte[]> range = get("/r.jpg", "Range", "bytes=100-199");
    assertThat(range.statusCode()).isEqualTo(206);
    assertThat(range.body()).isEqualTo(Arrays.copyOfRange(body, 100, 200));
    assertThat(range.headers().firstValue("Content-Range")).hasValue("bytes 100-199/1000");

    HttpResponse<byte[]> suffix = get("/r.jpg", "Range", "bytes=-10");
    assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(body, 990, 1000));

    HttpResponse<byte[]> outside = get("/r.jpg", "Range", "bytes=5000-");
    assertThat(outside.statusCode()).isEqualTo(416);
    assertThat(outside.headers().firstValue("Content-Range")).hasValue("bytes */1000");

    HttpResponse<byte[]> staleIfRange =
        get("/r.jpg", "Range", "bytes=0-9", "If-Range", "\"other\"");
    assertThat(staleIfRange.statusCode()).isEqualTo(200);
    assertThat(staleIfRange.body()).isEqualTo(body);
  }

  @Test
  void ifModifiedSince_onMissAndOnHit_304AgainstTheShardsLastModified() throws Exception {
    byte[] body = bytes(2000, 7);
    shard.objects.put("/ims.jpg", body);
    HttpResponse<byte[]> miss = get("/ims.jpg", "If-Modified-Since", FakeShard.LAST_MODIFIED);
    assertThat(xCache(miss)).startsWith("edge-1;miss");
    assertThat(miss.statusCode()).isEqualTo(304);
    assertThat(miss.body()).isEmpty();
    assertThat(miss.headers().firstValue("ETag")).isPresent();

    HttpResponse<byte[]> hit = get("/ims.jpg", "If-Modified-Since", FakeShard.LAST_MODIFIED);
    assertThat(xCache(hit)).isEqualTo("edge-1;hit");
    assertThat(hit.statusCode()).isEqualTo(304);

    HttpResponse<byte[]> whole = get("/ims.jpg");
    assertThat(whole.headers().firstValue("Last-Modified")).hasValue(FakeShard.LAST_MODIFIED);
    HttpResponse<byte[]> modified =
        get("/ims.jpg", "If-Modified-Since", "Tue, 20 Oct 2015 07:28:00 GMT");
    assertThat(modified.statusCode()).isEqualTo(200);
    assertThat(modified.body()).isEqualTo(body);
    HttpResponse<byte[]> tagWins =
        get("/ims.jpg", "If-None-Match", "\"other\"", "If-Modified-Since", FakeShard.LAST_MODIFIED);
    assertThat(tagWins.statusCode()).isEqualTo(200);
    assertThat(shard.requests("/ims.jpg")).isEqualTo(1);
  }

  @Test
  void preconditionsAndIfRangeByDate_onMissAndOnHit() throws Exception {
    byte[] body = bytes(1000, 8);
    shard.objects.put("/pre.jpg", body);
    HttpResponse<byte[]> miss = get("/pre.jpg", "If-Match", "\"other\"");
    assertThat(xCache(miss)).startsWith("edge-1;miss");
    assertThat(miss.statusCode()).isEqualTo(412);
    assertThat(new String(miss.body(), StandardCharsets.US_ASCII))
        .isEqualTo("precondition failed: If-Match\n");
    String etag = get("/pre.jpg").headers().firstValue("ETag").orElseThrow();

    HttpResponse<byte[]> failing = get("/pre.jpg", "If-Match", "\"other\"", "If-None-Match", etag);
    assertThat(xCache(failing)).isEqualTo("edge-1;hit");
    assertThat(failing.statusCode()).as("If-Match before If-None-Match").isEqualTo(412);
    HttpResponse<byte[]> unmodifiedSince =
        get("/pre.jpg", "If-Unmodified-Since", "Tue, 20 Oct 2015 07:28:00 GMT");
    assertThat(unmodifiedSince.statusCode()).isEqualTo(412);
    assertThat(new String(unmodifiedSince.body(), StandardCharsets.US_ASCII))
        .isEqualTo("precondition failed: If-Unmodified-Since\n");
    HttpResponse<byte[]> matching = get("/pre.jpg", "If-Match", etag, "Range", "bytes=10-19");
    assertThat(matching.statusCode()).isEqualTo(206);
    assertThat(matching.body()).isEqualTo(Arrays.copyOfRange(body, 10, 20));

    HttpResponse<byte[]> byDate =
        get("/pre.jpg", "Range", "bytes=0-9", "If-Range", FakeShard.LAST_MODIFIED);
    assertThat(byDate.statusCode()).isEqualTo(206);
    assertThat(byDate.body()).isEqualTo(Arrays.copyOfRange(body, 0, 10));
    assertThat(byDate.headers().firstValue("Last-Modified")).hasValue(FakeShard.LAST_MODIFIED);
    assertThat(byDate.headers().firstValue("ETag")).hasValue(etag);
    HttpResponse<byte[]> staleDate =
        get("/pre.jpg", "Range", "bytes=0-9", "If-Range", "Tue, 20 Oct 2015 07:28:00 GMT");
    assertThat(staleDate.statusCode()).isEqualTo(200);
    assertThat(staleDate.body()).isEqualTo(body);
    assertThat(shard.requests("/pre.jpg")).isEqualTo(1);
  }

  @Test
  void concurrentMisses_oneKey_oneShardRequestEveryWaiterAnswered() throws Exception {
    byte[] body = bytes(20_000, 4);
    shard.objects.put("/hot.jpg", body);
    CompletableFuture<Void> gate = new CompletableFuture<>();
    shard.gate = gate;
    try {
      List<CompletableFuture<HttpResponse<byte[]>>> all =
          IntStream.range(0, 8)
              .mapToObj(
                  i ->
                      http.sendAsync(
                          HttpRequest.newBuilder(
                                  URI.create("http://127.0.0.1:" + edge.port() + "/hot.jpg"))
                              .build(),
                          HttpResponse.BodyHandlers.ofByteArray()))
              .toList();
      // All eight are waiting on one flight once the shard has seen its one request.
      while (shard.requests("/hot.jpg") == 0) {
        Thread.onSpinWait();
      }
      gate.complete(null);
      List<HttpResponse<byte[]>> responses = all.stream().map(CompletableFuture::join).toList();
      assertThat(responses).allMatch(r -> Arrays.equals(r.body(), body));
      assertThat(
              responses.stream()
                  .map(EdgeServerTest::xCache)
                  .filter(v -> v.startsWith("edge-1;miss")))
          .hasSize(1);
      assertThat(shard.requests("/hot.jpg")).isEqualTo(1);
    } finally {
      shard.gate = CompletableFuture.completedFuture(null);
    }
  }

  @Test
  void objectAboveMaxObjectBytes_servedButNeverStored() throws Exception {
    byte[] big = bytes(300 * 1024, 5);
    shard.objects.put("/big.jpg", big);
    for (int i = 0; i < 2; i++) {
      HttpResponse<byte[]> r = get("/big.jpg");
      assertThat(r.body()).isEqualTo(big);
      assertThat(xCache(r)).startsWith("edge-1;miss");
    }
    assertThat(shard.requests("/big.jpg")).isEqualTo(2);
  }

  @Test
  void errors_passedOnNeverCached() throws Exception {
    HttpResponse<byte[]> missing = get("/missing.jpg");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(new String(missing.body(), StandardCharsets.UTF_8))
        .contains("no such object: /missing.jpg");
    assertThat(xCache(missing)).startsWith("edge-1;miss, shard-1;");
    shard.objects.put("/missing.jpg", bytes(10, 6));
    assertThat(get("/missing.jpg").statusCode()).isEqualTo(200);
    assertThat(get("/photos/%2e%2e/x").statusCode()).isEqualTo(400);
  }
}
