package io.imgcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.imgcdn.common.http.AcceptClass;
import io.imgcdn.common.testing.NettyLeakWatch;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Format negotiation through the edge (docs/EDGE.md), against a real upstream on 127.0.0.1 that
 * answers like a negotiating shard: Vary: Accept, and a representation chosen by the Accept it
 * receives.
 */
class EdgeVaryTest {
  static final String CHROME = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8";
  static final String FIREFOX =
      "image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5";
  static final String SAFARI =
      "image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,"
          + "image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5";
  static final String OLD_SAFARI = "image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5";
  static final String WEBP_ONLY = "image/webp,*/*";

  @TempDir static Path dir;
  static HttpServer upstream;
  static EdgeServer edge;
  static HttpClient http;
  static NettyLeakWatch leaks;

  /** "path accept" of every request the upstream received. */
  static final Queue<String> received = new ConcurrentLinkedQueue<>();

  /** Requests for /v/gate/ paths count down here, then wait for the gate. */
  static final CountDownLatch gateArrivals = new CountDownLatch(2);

  static final CountDownLatch gate = new CountDownLatch(1);

  @BeforeAll
  static void start() throws IOException {
    leaks = new NettyLeakWatch();
    upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    upstream.setExecutor(Executors.newFixedThreadPool(4));
    upstream.createContext("/", EdgeVaryTest::answer);
    upstream.start();
    Path cluster = dir.resolve("cluster.conf");
    Files.writeString(cluster, "shard shard-1 127.0.0.1:" + upstream.getAddress().getPort() + "\n");
    edge = EdgeServer.start(Edges.config(cluster, Map.of()));
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  @AfterAll
  static void stop() {
    edge.close();
    upstream.stop(0);
    ((java.util.concurrent.ExecutorService) upstream.getExecutor()).shutdownNow();
    assertThat(edge.cache().liveBuffers()).as("every body freed after close").isZero();
    assertThat(leaks.leaks()).isEmpty();
    leaks.close();
  }

  /** The representation a negotiating origin would pick for this Accept. */
  static String body(String path, AcceptClass c) {
    return path + " as " + (c.avif() ? "avif" : c.webp() ? "webp" : "jpeg");
  }

  private static void answer(HttpExchange x) throws IOException {
    String path = x.getRequestURI().getPath();
    String accept = x.getRequestHeaders().getFirst("Accept");
    received.add(path + " " + accept);
    if (path.startsWith("/v/gate/")) {
      gateArrivals.countDown();
      try {
        gate.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    AcceptClass c = AcceptClass.of(accept);
    byte[] body =
        path.startsWith("/v/")
            ? body(path, c).getBytes(StandardCharsets.US_ASCII)
            : ("plain " + path).getBytes(StandardCharsets.US_ASCII);
    var h = x.getResponseHeaders();
    h.set("Content-Type", path.startsWith("/v/") && c.webp() ? "image/webp" : "image/jpeg");
    h.set(
        "ETag",
        "\"" + Integer.toHexString(new String(body, StandardCharsets.US_ASCII).hashCode()) + "\"");
    h.set("Cache-Control", "public, max-age=31536000, immutable");
    h.set("X-Cache", "shard-1;hit");
    if (path.startsWith("/v/star/")) {
      h.set("Vary", "*");
    } else if (path.startsWith("/v/ua/")) {
      h.set("Vary", "Accept, User-Agent");
    } else if (path.startsWith("/v/")) {
      h.set("Vary", "accept");
    }
    x.sendResponseHeaders(200, body.length);
    try (OutputStream out = x.getResponseBody()) {
      out.write(body);
    }
  }

  static HttpResponse<String> get(String path, String accept) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + path));
    if (accept != null) {
      b.header("Accept", accept);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.US_ASCII));
  }

  static long upstreamRequests(String path) {
    return received.stream().filter(r -> r.startsWith(path + " ")).count();
  }

  static String xCache(HttpResponse<?> r) {
    return r.headers().firstValue("X-Cache").orElse("");
  }

  @Test
  void get_webpAndPlainClients_differentBodiesThenEdgeHitsWithVary() throws Exception {
    String path = "/v/w150/a.jpg";
    HttpResponse<String> webp = get(path, WEBP_ONLY);
    HttpResponse<String> plain = get(path, "*/*");
    HttpResponse<String> webpAgain = get(path, WEBP_ONLY);
    HttpResponse<String> plainAgain = get(path, null);

    assertThat(webp.body()).isEqualTo(body(path, AcceptClass.WEBP));
    assertThat(plain.body()).isEqualTo(body(path, AcceptClass.PLAIN));
    assertThat(webp.headers().firstValue("Content-Type")).hasValue("image/webp");
    assertThat(xCache(webp)).startsWith("edge-1;miss");
    assertThat(xCache(plain)).startsWith("edge-1;miss");
    assertThat(webpAgain.body()).isEqualTo(webp.body());
    assertThat(plainAgain.body()).isEqualTo(plain.body());
    assertThat(xCache(webpAgain)).isEqualTo("edge-1;hit");
    assertThat(xCache(plainAgain)).isEqualTo("edge-1;hit");
    for (HttpResponse<String> r : List.of(webp, plain, webpAgain, plainAgain)) {
      assertThat(r.headers().firstValue("Vary")).as(r.body()).hasValue("accept");
    }
    assertThat(webpAgain.headers().firstValue("ETag"))
        .isNotEqualTo(plainAgain.headers().firstValue("ETag"));
    assertThat(upstreamRequests(path)).isEqualTo(2);
  }

  @Test
  void get_conditionalOrRangeOnAVaryingHit_304And206RepeatVary() throws Exception {
    String path = "/v/w150/conditional.jpg";
    String etag = get(path, WEBP_ONLY).headers().firstValue("ETag").orElseThrow();
    HttpResponse<String> notModified =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + path))
                .header("Accept", WEBP_ONLY)
                .header("If-None-Match", etag)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> partial =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + path))
                .header("Accept", WEBP_ONLY)
                .header("Range", "bytes=0-3")
                .build(),
            HttpResponse.BodyHandlers.ofString());

    assertThat(notModified.statusCode()).isEqualTo(304);
    assertThat(xCache(notModified)).isEqualTo("edge-1;hit");
    assertThat(notModified.headers().firstValue("Vary")).hasValue("accept");
    assertThat(partial.statusCode()).isEqualTo(206);
    assertThat(partial.headers().firstValue("Vary")).hasValue("accept");
  }

  @Test
  void get_browserAcceptStrings_canonicalAcceptUpstreamAndSharedPerClass() throws Exception {
    String path = "/v/w600/b.jpg";
    HttpResponse<String> chrome = get(path, CHROME);
    HttpResponse<String> firefox = get(path, FIREFOX);
    HttpResponse<String> safari = get(path, SAFARI);
    HttpResponse<String> oldSafari = get(path, OLD_SAFARI);

    assertThat(chrome.body()).isEqualTo(body(path, AcceptClass.AVIF_WEBP));
    assertThat(xCache(chrome)).startsWith("edge-1;miss");
    assertThat(xCache(firefox)).as("same class as Chrome").isEqualTo("edge-1;hit");
    assertThat(xCache(safari)).as("same class as Chrome").isEqualTo("edge-1;hit");
    assertThat(firefox.body()).isEqualTo(chrome.body());
    assertThat(oldSafari.body()).isEqualTo(body(path, AcceptClass.PLAIN));
    assertThat(received)
        .contains(
            path + " " + AcceptClass.AVIF_WEBP.canonicalAccept(),
            path + " " + AcceptClass.PLAIN.canonicalAccept());
    assertThat(received.stream().filter(r -> r.startsWith(path + " ")))
        .allMatch(
            r ->
                r.endsWith(" " + AcceptClass.AVIF_WEBP.canonicalAccept())
                    || r.endsWith(" " + AcceptClass.PLAIN.canonicalAccept()))
        .hasSize(2);
  }

  @Test
  void get_concurrentMissesOfTwoClasses_oneShardRequestPerClass() throws Exception {
    String path = "/v/gate/f.jpg";
    List<CompletableFuture<HttpResponse<String>>> webp = new ArrayList<>();
    List<CompletableFuture<HttpResponse<String>>> plain = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      webp.add(getAsync(path, i % 2 == 0 ? WEBP_ONLY : "image/webp,image/*;q=0.8")); // both WEBP
      plain.add(getAsync(path, i % 2 == 0 ? OLD_SAFARI : null));
    }

    boolean bothLeadersArrived =
        gateArrivals.await(60, TimeUnit.SECONDS); // one per class, or this times out
    gate.countDown();

    assertThat(bothLeadersArrived)
        .as("a shard request for each class while both were held")
        .isTrue();
    for (CompletableFuture<HttpResponse<String>> r : webp) {
      assertThat(r.get(60, TimeUnit.SECONDS).body()).isEqualTo(body(path, AcceptClass.WEBP));
    }
    for (CompletableFuture<HttpResponse<String>> r : plain) {
      assertThat(r.get(60, TimeUnit.SECONDS).body()).isEqualTo(body(path, AcceptClass.PLAIN));
    }
    assertThat(upstreamRequests(path)).as("one per class: 6 requests, 2 classes").isEqualTo(2);
  }

  static CompletableFuture<HttpResponse<String>> getAsync(String path, String accept) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + path));
    if (accept != null) {
      b.header("Accept", accept);
    }
    return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.US_ASCII));
  }

  @Test
  void get_varyStarOrOtherHeader_relayedNeverStored() throws Exception {
    for (String path : List.of("/v/star/c.jpg", "/v/ua/d.jpg")) {
      HttpResponse<String> first = get(path, WEBP_ONLY);
      HttpResponse<String> second = get(path, WEBP_ONLY);

      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(second.body()).isEqualTo(body(path, AcceptClass.WEBP));
      assertThat(xCache(second)).as(path).startsWith("edge-1;miss");
      assertThat(second.headers().firstValue("Vary")).as(path).isPresent();
      assertThat(upstreamRequests(path)).as(path).isEqualTo(2);
    }
  }

  @Test
  void get_originalWithoutVary_oneEntryForEveryClassAndNoVaryHeader() throws Exception {
    String path = "/e.jpg";
    HttpResponse<String> webp = get(path, CHROME);
    HttpResponse<String> plain = get(path, OLD_SAFARI);

    assertThat(plain.body()).isEqualTo(webp.body()).isEqualTo("plain " + path);
    assertThat(xCache(plain)).isEqualTo("edge-1;hit");
    assertThat(plain.headers().firstValue("Vary")).isEmpty();
    assertThat(upstreamRequests(path)).isEqualTo(1);
  }
}
