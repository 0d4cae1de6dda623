package io.imgcdn.shard.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.cluster.ClusterFile;
import io.imgcdn.common.cluster.Membership;
import io.imgcdn.common.http.HttpServer;
import io.imgcdn.common.http.ImageObject;
import io.imgcdn.common.http.ObjectServerHandler;
import io.imgcdn.common.http.Reply;
import io.imgcdn.common.http.Response;
import io.imgcdn.common.http.ServerOptions;
import io.imgcdn.common.http.Transports;
import io.imgcdn.common.upstream.Deadline;
import io.imgcdn.hashring.Node;
import io.imgcdn.shard.ShardServer;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real shard in front of an origin-like server that records the X-Imgcdn-Deadline of every
 * request: under /silent/ it never answers, under /s3down/ it answers the 503 an origin gives while
 * its S3 circuit is open, anything else is a small original.
 */
class ShardDeadlineTest {
  @TempDir Path dir;

  private EventLoopGroup group;
  private HttpServer origin;
  private ShardServer shard;
  private final CompletableFuture<Response> never = new CompletableFuture<>();
  private final HttpClient http = HttpClient.newBuilder().build();

  /** The X-Imgcdn-Deadline of the origin's requests, by path (absent: never asked). */
  private final Map<String, String> told = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws Exception {
    group = Transports.group(1, "deadline-origin");
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
                      told.put(url.path(), String.valueOf(headers.get(Deadline.HEADER)));
                      if (url.path().startsWith("/silent/")) {
                        return never;
                      }
                      if (url.path().startsWith("/s3down/")) {
                        return CompletableFuture.completedFuture(
                            Reply.error(
                                HttpResponseStatus.SERVICE_UNAVAILABLE,
                                "origin-1: S3 circuit open",
                                "origin-1;error"));
                      }
                      return CompletableFuture.completedFuture(
                          Reply.ok(
                              new ImageObject(
                                  "image/jpeg",
                                  "\"o\"",
                                  "public",
                                  url.path().getBytes(StandardCharsets.UTF_8)),
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
    never.complete(Reply.error(HttpResponseStatus.GONE, "test over", "origin-1;error"));
    if (shard != null) {
      shard.close();
    }
    origin.shutdownGracefully(Duration.ZERO);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private HttpResponse<String> get(String path, String deadline) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shard.port() + path))
            .timeout(Duration.ofSeconds(60));
    if (deadline != null) {
      b.header(Deadline.HEADER, deadline);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void silentOrigin_fillGivesUpWithinTheCallersDeadline_504NamingTheShard() throws Exception {
    long start = System.nanoTime();
    HttpResponse<String> r = get("/silent/a.jpg", "800");
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(r.body()).isEqualTo("shard-1: origin tier unavailable (timeout)\n");
    assertThat(r.headers().firstValue("X-Cache"))
        .as("the shard worked; the tier behind it failed: its verdict stays miss")
        .hasValue("shard-1;miss");
    assertThat(millis).as("about the 700 ms left after the margin").isBetween(600L, 1_500L);
    assertThat(Long.parseLong(told.get("/silent/a.jpg")))
        .as("the origin is told what is left, less the shard's margin")
        .isBetween(600L, 700L);
  }

  @Test
  void spentOnArrival_504AtOnce_originNeverAsked() throws Exception {
    HttpResponse<String> r = get("/a.jpg", "100");
    assertThat(r.statusCode()).isEqualTo(504);
    assertThat(r.body())
        .isEqualTo("shard-1: deadline spent before the origin was asked (0 ms given)\n");
    assertThat(told).isEmpty();

    HttpResponse<String> filled = get("/a.jpg", null);
    assertThat(filled.statusCode()).isEqualTo(200);
    assertThat(Long.parseLong(told.get("/a.jpg")))
        .as("without a header: shard.upstream.deadline less the margin")
        .isBetween(19_000L, 19_900L);
    HttpResponse<String> hit = get("/a.jpg", "0");
    assertThat(hit.statusCode()).as("a hit is served whatever time is left").isEqualTo(200);
    assertThat(hit.headers().firstValue("X-Cache")).hasValue("shard-1;hit");
  }

  @Test
  void malformedDeadline_400NamingTheHeader() throws Exception {
    HttpResponse<String> r = get("/b.jpg", "soon");
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).startsWith("X-Imgcdn-Deadline: 'soon' (expected:");
    assertThat(told).isEmpty();
  }

  @Test
  void originsOwn5xx_passedOnAsItCame_namingTheOrigin() throws Exception {
    HttpResponse<String> r = get("/s3down/c.jpg", "5000");
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).isEqualTo("origin-1: S3 circuit open\n");
    assertThat(r.headers().firstValue("X-Cache")).hasValue("shard-1;miss, origin-1;error");
  }
}
