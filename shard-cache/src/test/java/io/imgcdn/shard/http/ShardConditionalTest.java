package io.imgcdn.shard.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.cluster.ClusterFile;
import io.imgcdn.common.cluster.Membership;
import io.imgcdn.common.http.HttpServer;
import io.imgcdn.common.http.ImageObject;
import io.imgcdn.common.http.ObjectServerHandler;
import io.imgcdn.common.http.Reply;
import io.imgcdn.common.http.ServerOptions;
import io.imgcdn.common.http.Transports;
import io.imgcdn.common.testing.NettyLeakWatch;
import io.imgcdn.hashring.Node;
import io.imgcdn.shard.ShardServer;
import io.netty.channel.EventLoopGroup;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real shard in front of an origin-like server whose objects carry a Last-Modified: the shard
 * stores it, answers with it, and evaluates If-Match, If-Modified-Since and If-Range by date
 * against it, on the fill (the miss answered from the fetched body) as on a hit from the store.
 */
class ShardConditionalTest {
  private static final String LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT";
  private static final String EARLIER = "Tue, 20 Oct 2015 07:28:00 GMT";
  private static final String ETAG = "\"o1\"";

  @TempDir Path dir;

  private final NettyLeakWatch leaks = new NettyLeakWatch();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
  private final AtomicInteger originRequests = new AtomicInteger();
  private EventLoopGroup group;
  private HttpServer origin;
  private ShardServer shard;

  @BeforeEach
  void start() throws Exception {
    group = Transports.group(1, "conditional-origin");
    origin =
        HttpServer.bind(
            group,
            group,
            "127.0.0.1",
            0,
            ServerOptions.withIdleTimeout(Duration.ofSeconds(60)),
            () ->
                new ObjectServerHandler(
                    "origin-1",
                    (url, headers) -> {
                      originRequests.incrementAndGet();
                      return CompletableFuture.completedFuture(
                          Reply.ok(
                              new ImageObject(
                                  "image/jpeg",
                                  ETAG,
                                  LAST_MODIFIED,
                                  ImageObject.IMMUTABLE,
                                  body(url.path())),
                              "origin-1;miss"));
                    },
                    null,
                    16));
    Path clusterFile = dir.resolve("cluster.conf");
    Files.writeString(
        clusterFile,
        ClusterFile.format(
            new Membership(
                List.of(), List.of(new Node("origin-1", "127.0.0.1:" + origin.port(), 1)))));
    shard =
        ShardServer.start(ShardVaryTest.shardConfig("shard-1", dir.resolve("store"), clusterFile));
  }

  @AfterEach
  void stop() {
    if (shard != null) {
      shard.close();
    }
    if (origin != null) {
      origin.shutdownGracefully(Duration.ZERO);
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    List<String> reported = leaks.leaks();
    leaks.close();
    assertThat(reported).as("Netty buffers garbage-collected without release").isEmpty();
  }

  private static byte[] body(String path) {
    return ("bytes of " + path + " ".repeat(100)).getBytes(StandardCharsets.US_ASCII);
  }

  private HttpResponse<byte[]> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shard.port() + path))
            .timeout(Duration.ofSeconds(60));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String xCache(HttpResponse<?> r) {
    return r.headers().firstValue("X-Cache").orElse("");
  }

  @Test
  void get_lastModifiedFromTheOrigin_keptThroughTheStore() throws Exception {
    HttpResponse<byte[]> miss = get("/a.jpg");
    assertThat(xCache(miss)).startsWith("shard-1;miss");
    assertThat(miss.headers().firstValue("Last-Modified")).hasValue(LAST_MODIFIED);
    HttpResponse<byte[]> hit = get("/a.jpg");
    assertThat(xCache(hit)).isEqualTo("shard-1;hit");
    assertThat(hit.headers().firstValue("Last-Modified")).hasValue(LAST_MODIFIED);
    assertThat(hit.body()).isEqualTo(body("/a.jpg"));
    assertThat(originRequests).hasValue(1);
  }

  @Test
  void ifModifiedSince_onMissAndOnHit_304() throws Exception {
    HttpResponse<byte[]> miss = get("/ims.jpg", "If-Modified-Since", LAST_MODIFIED);
    assertThat(xCache(miss)).startsWith("shard-1;miss");
    assertThat(miss.statusCode()).isEqualTo(304);
    assertThat(miss.body()).isEmpty();
    assertThat(miss.headers().firstValue("ETag")).hasValue(ETAG);
    assertThat(miss.headers().firstValue("Cache-Control")).hasValue(ImageObject.IMMUTABLE);

    HttpResponse<byte[]> hit = get("/ims.jpg", "If-Modified-Since", LAST_MODIFIED);
    assertThat(xCache(hit)).isEqualTo("shard-1;hit");
    assertThat(hit.statusCode()).isEqualTo(304);

    HttpResponse<byte[]> modified = get("/ims.jpg", "If-Modified-Since", EARLIER);
    assertThat(modified.statusCode()).isEqualTo(200);
    assertThat(modified.body()).isEqualTo(body("/ims.jpg"));

    HttpResponse<byte[]> etagWins =
        get("/ims.jpg", "If-None-Match", "\"other\"", "If-Modified-Since", LAST_MODIFIED);
    assertThat(etagWins.statusCode())
        .as("If-Modified-Since is ignored when If-None-Match is there")
        .isEqualTo(200);
  }

  @Test
  void ifMatchAndIfUnmodifiedSince_failing_412OnMissAndOnHit() throws Exception {
    HttpResponse<byte[]> miss = get("/412.jpg", "If-Match", "\"other\"");
    assertThat(xCache(miss)).startsWith("shard-1;miss");
    assertThat(miss.statusCode()).isEqualTo(412);
    assertThat(new String(miss.body(), StandardCharsets.US_ASCII))
        .isEqualTo("precondition failed: If-Match\n");

    HttpResponse<byte[]> hit = get("/412.jpg", "If-Match", "\"other\"", "If-None-Match", ETAG);
    assertThat(xCache(hit)).isEqualTo("shard-1;hit");
    assertThat(hit.statusCode()).as("If-Match is evaluated first").isEqualTo(412);

    HttpResponse<byte[]> unmodifiedSince = get("/412.jpg", "If-Unmodified-Since", EARLIER);
    assertThat(unmodifiedSince.statusCode()).isEqualTo(412);
    assertThat(new String(unmodifiedSince.body(), StandardCharsets.US_ASCII))
        .isEqualTo("precondition failed: If-Unmodified-Since\n");

    HttpResponse<byte[]> matching =
        get("/412.jpg", "If-Match", ETAG, "If-Unmodified-Since", LAST_MODIFIED);
    assertThat(matching.statusCode()).isEqualTo(200);
    assertThat(matching.body()).isEqualTo(body("/412.jpg"));
  }

  @Test
  void ifRange_byDate_partialOnlyWhenItEqualsLastModified() throws Exception {
    byte[] body = body("/range.jpg");
    for (int i = 0; i < 2; i++) { // the fill, then the hit
      HttpResponse<byte[]> same =
          get("/range.jpg", "Range", "bytes=2-5", "If-Range", LAST_MODIFIED);
      assertThat(same.statusCode()).as(xCache(same)).isEqualTo(206);
      assertThat(same.body()).isEqualTo(Arrays.copyOfRange(body, 2, 6));
      assertThat(same.headers().firstValue("Content-Range")).hasValue("bytes 2-5/" + body.length);
      assertThat(same.headers().firstValue("Last-Modified")).hasValue(LAST_MODIFIED);

      HttpResponse<byte[]> other = get("/range.jpg", "Range", "bytes=2-5", "If-Range", EARLIER);
      assertThat(other.statusCode()).isEqualTo(200);
      assertThat(other.body()).isEqualTo(body);
    }
    assertThat(originRequests).hasValue(1);
  }
}
