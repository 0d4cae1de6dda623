package io.imgcdn.shard.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.cluster.ClusterFile;
import io.imgcdn.common.cluster.Membership;
import io.imgcdn.common.config.Settings;
import io.imgcdn.common.http.AcceptClass;
import io.imgcdn.common.http.HttpServer;
import io.imgcdn.common.http.ObjectServerHandler;
import io.imgcdn.common.http.Reply;
import io.imgcdn.common.http.ServerOptions;
import io.imgcdn.common.http.Transports;
import io.imgcdn.common.testing.NettyLeakWatch;
import io.imgcdn.hashring.HashRings;
import io.imgcdn.hashring.Node;
import io.imgcdn.hashring.NodeLocator;
import io.imgcdn.shard.ShardServer;
import io.imgcdn.shard.config.ShardConfig;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpHeaderNames;
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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real shard in front of an origin-like server on 127.0.0.1 whose variants answer {@code Vary:
 * Accept} (one body per Accept class), originals without Vary, and one path with {@code Vary:
 * Accept-Encoding}.
 */
class ShardVaryTest {
  private static final String TOKEN = "test-token";

  @TempDir Path dir;

  private final NettyLeakWatch leaks = new NettyLeakWatch();
  private EventLoopGroup group;
  private HttpServer origin;
  private ShardServer shard;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();

  /** Every request the origin got: "path accept". */
  private final ConcurrentLinkedQueue<String> originRequests = new ConcurrentLinkedQueue<>();

  private final Map<String, AtomicInteger> originCounts = new ConcurrentHashMap<>();

  @BeforeEach
  void start() throws Exception {
    group = Transports.group(1, "vary-origin");
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
                      String accept = headers.get(HttpHeaderNames.ACCEPT);
                      originRequests.add(url.path() + " " + accept);
                      originCounts
                          .computeIfAbsent(url.path(), k -> new AtomicInteger())
                          .incrementAndGet();
                      String path = url.path();
                      if (path.startsWith("/v/")) {
                        String token = AcceptClass.of(accept).token();
                        byte[] body =
                            ("variant " + path + " as " + (token.isEmpty() ? "jpeg" : token))
                                .getBytes(StandardCharsets.UTF_8);
                        return CompletableFuture.completedFuture(
                            new StoredResponse(
                                "image/" + (token.isEmpty() ? "jpeg" : "x"),
                                "\"" + token + "\"",
                                "",
                                "public, max-age=60",
                                Unpooled.wrappedBuffer(body),
                                "origin-1;miss",
                                "Accept"));
                      }
                      if (path.startsWith("/enc/")) {
                        return CompletableFuture.completedFuture(
                            new StoredResponse(
                                "image/jpeg",
                                "\"e\"",
                                "",
                                "public",
                                Unpooled.wrappedBuffer("encoded".getBytes(StandardCharsets.UTF_8)),
                                "origin-1;miss",
                                "Accept-Encoding"));
                      }
                      return CompletableFuture.completedFuture(
                          Reply.ok(
                              new io.imgcdn.common.http.ImageObject(
                                  "image/jpeg",
                                  "\"o\"",
                                  "public",
                                  ("original " + path).getBytes(StandardCharsets.UTF_8)),
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
    shard = ShardServer.start(shardConfig("shard-1", dir.resolve("store"), clusterFile));
  }

  /** A shard on ephemeral ports with its own store, reading {@code clusterFile}. */
  static ShardConfig shardConfig(String id, Path store, Path clusterFile) {
    Settings settings =
        Settings.of(
            Map.of(
                "node.id",
                id,
                "server.port",
                "0",
                "admin.port",
                "0",
                "admin.token",
                TOKEN,
                "shard.store.dir",
                store.toString(),
                "shard.store.max-bytes",
                "64m",
                "cluster.file",
                clusterFile.toString()));
    ShardConfig config = ShardConfig.from(settings);
    settings.finish();
    return config;
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
    assertThat(reported)
        .as("Netty buffers garbage-collected without release (hits use pooled direct buffers)")
        .isEmpty();
  }

  private HttpResponse<String> get(String path, String accept) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shard.port() + path))
            .timeout(Duration.ofSeconds(60));
    if (accept != null) {
      b.header("Accept", accept);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /**
   * Gets until the shard answers a hit (a Vary class is stored on its own fill), at most a bounded
   * number of times.
   */
  private HttpResponse<String> getUntilHit(String path, String accept) throws Exception {
    HttpResponse<String> r = get(path, accept);
    for (int i = 0;
        i < 200 && !r.headers().firstValue("X-Cache").orElse("").startsWith("shard-1;hit");
        i++) {
      r = get(path, accept);
    }
    return r;
  }

  @Test
  void get_variantVariesByAccept_oneEntryPerClassServedWithVary() throws Exception {
    String path = "/v/w150/pic.jpg";
    HttpResponse<String> first = get(path, "image/avif,image/webp,image/apng,*/*;q=0.8");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).isEqualTo("variant " + path + " as avif+webp");
    assertThat(first.headers().firstValue("Vary")).hasValue("Accept");
    assertThat(first.headers().firstValue("X-Cache").orElseThrow())
        .startsWith("shard-1;miss, origin-1;miss");

    HttpResponse<String> hit = getUntilHit(path, "image/webp,image/avif");
    assertThat(hit.body()).isEqualTo("variant " + path + " as avif+webp");
    assertThat(hit.headers().firstValue("Vary")).hasValue("Accept");
    assertThat(hit.headers().firstValue("ETag")).hasValue("\"avif+webp\"");

    HttpResponse<String> webp = get(path, "image/webp,*/*");
    assertThat(webp.body()).isEqualTo("variant " + path + " as webp");
    assertThat(webp.headers().firstValue("X-Cache").orElseThrow()).startsWith("shard-1;miss");
    assertThat(getUntilHit(path, "image/webp").body()).isEqualTo("variant " + path + " as webp");

    HttpResponse<String> plain = getUntilHit(path, null);
    assertThat(plain.body()).isEqualTo("variant " + path + " as jpeg");
    assertThat(plain.headers().firstValue("Vary")).hasValue("Accept");

    // One origin request per class, each with the class's canonical Accept, never the client's
    // header.
    assertThat(originRequests)
        .containsExactlyInAnyOrder(
            path + " " + AcceptClass.AVIF_WEBP.canonicalAccept(),
            path + " " + AcceptClass.WEBP.canonicalAccept(),
            path + " " + AcceptClass.PLAIN.canonicalAccept());
  }

  @Test
  void get_originalWithoutVary_storedPlainNoVaryHeader() throws Exception {
    HttpResponse<String> first = get("/img/a.jpg", "image/webp,*/*");
    assertThat(first.statusCode()).isEqualTo(200);
    HttpResponse<String> hit = getUntilHit("/img/a.jpg", null);
    assertThat(hit.body()).isEqualTo("original /img/a.jpg");
    assertThat(hit.headers().firstValue("Vary")).isEmpty();
    assertThat(hit.headers().firstValue("X-Cache")).hasValue("shard-1;hit");
    assertThat(originCounts.get("/img/a.jpg").get()).isEqualTo(1);
  }

  @Test
  void get_varyOnOtherHeader_passedOnNotStored() throws Exception {
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = get("/enc/a.jpg", null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("encoded");
      assertThat(r.headers().firstValue("Vary")).hasValue("Accept-Encoding");
    }
    assertThat(originCounts.get("/enc/a.jpg").get()).isEqualTo(3);
  }

  @Test
  void purge_pathThatVaries_removesEveryClass() throws Exception {
    String path = "/v/w150/purged.jpg";
    getUntilHit(path, "image/webp");
    getUntilHit(path, "image/avif");
    int before = originCounts.get(path).get();
    HttpResponse<String> purge =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:" + shard.adminPort() + "/admin/purge?path=" + path))
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.noBody())
                .timeout(Duration.ofSeconds(60))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(purge.statusCode()).isEqualTo(200);
    assertThat(get(path, "image/webp").headers().firstValue("X-Cache").orElseThrow())
        .startsWith("shard-1;miss");
    assertThat(get(path, "image/avif").headers().firstValue("X-Cache").orElseThrow())
        .startsWith("shard-1;miss");
    assertThat(originCounts.get(path).get()).isEqualTo(before + 2);
  }

  @Test
  void get_handoffRequestForVaryingPath_answersTheClassFromTheStoreOnly() throws Exception {
    String path = "/v/w150/handed.jpg";
    getUntilHit(path, "image/webp");
    HttpResponse<String> handed =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shard.port() + path))
                .header(ShardTier.HANDOFF_HEADER, "1")
                .header("Accept", AcceptClass.WEBP.canonicalAccept())
                .timeout(Duration.ofSeconds(60))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(handed.statusCode()).isEqualTo(200);
    assertThat(handed.body()).isEqualTo("variant " + path + " as webp");
    assertThat(handed.headers().firstValue("Vary")).hasValue("Accept");
    HttpResponse<String> other =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shard.port() + path))
                .header(ShardTier.HANDOFF_HEADER, "1")
                .header("Accept", AcceptClass.AVIF.canonicalAccept())
                .timeout(Duration.ofSeconds(60))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(other.statusCode())
        .as("another class is not cached: 404, no origin request")
        .isEqualTo(HttpResponseStatus.NOT_FOUND.code());
    assertThat(originCounts.get(path).get()).isEqualTo(1);
  }

  @Test
  void get_afterShardJoins_newOwnerGetsTheClassFromThePreviousOwnerNotTheOrigin() throws Exception {
    Path clusterFile = dir.resolve("cluster.conf");
    Node origin1 = new Node("origin-1", "127.0.0.1:" + origin.port(), 1);
    Node shard1 = new Node("shard-1", "127.0.0.1:" + shard.port(), 1);
    writeCluster(clusterFile, List.of(shard1), origin1);
    ShardConfig config = shardConfig("shard-2", dir.resolve("store-2"), clusterFile);
    try (ShardServer joining = ShardServer.start(config)) {
      Node shard2 = new Node("shard-2", "127.0.0.1:" + joining.port(), 1);
      NodeLocator grown = HashRings.create(config.cluster().placement(), List.of(shard1, shard2));
      String path = null;
      for (int i = 0; path == null; i++) {
        String candidate = "/v/w150/moved-" + i + ".jpg";
        if (grown.owner(candidate).id().equals("shard-2")) {
          path = candidate;
        }
      }
      assertThat(getUntilHit(path, "image/webp").body()).isEqualTo("variant " + path + " as webp");

      writeCluster(clusterFile, List.of(shard1, shard2), origin1);
      HttpResponse<String> reload =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:" + joining.adminPort() + "/admin/cluster/reload"))
                  .header("Authorization", "Bearer " + TOKEN)
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .timeout(Duration.ofSeconds(60))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(reload.statusCode()).isEqualTo(200);

      HttpResponse<String> moved =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + joining.port() + path))
                  .header("Accept", "image/webp,image/apng,*/*;q=0.8")
                  .timeout(Duration.ofSeconds(60))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(moved.statusCode()).isEqualTo(200);
      assertThat(moved.body())
          .as("the hand-off asked for the webp class")
          .isEqualTo("variant " + path + " as webp");
      assertThat(moved.headers().firstValue("Vary")).hasValue("Accept");
      assertThat(moved.headers().firstValue("X-Cache")).hasValue("shard-2;miss, shard-1;hit");
      assertThat(originCounts.get(path).get()).as("no second origin request").isEqualTo(1);
      HttpResponse<String> kept =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + joining.port() + path))
                  .header("Accept", "image/webp")
                  .timeout(Duration.ofSeconds(60))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      for (int i = 0;
          i < 200 && !kept.headers().firstValue("X-Cache").orElse("").equals("shard-2;hit");
          i++) {
        kept =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + joining.port() + path))
                    .header("Accept", "image/webp")
                    .timeout(Duration.ofSeconds(60))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
      }
      assertThat(kept.headers().firstValue("X-Cache"))
          .as("stored on the new owner as the webp class")
          .hasValue("shard-2;hit");
      assertThat(kept.body()).isEqualTo("variant " + path + " as webp");
    }
  }

  private static void writeCluster(Path file, List<Node> shards, Node origin) throws Exception {
    Path tmp = file.resolveSibling("cluster.conf.tmp");
    Files.writeString(tmp, ClusterFile.format(new Membership(shards, List.of(origin))));
    Files.move(
        tmp,
        file,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
