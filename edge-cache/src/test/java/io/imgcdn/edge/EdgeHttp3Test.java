package io.imgcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.common.testing.NettyLeakWatch;
import io.imgcdn.edge.RawH3.Answer;
import io.imgcdn.edge.tls.CertificateFiles;
import io.imgcdn.edge.tls.TlsTesting;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/3 on the edge (QUIC on the HTTPS port's number over UDP) to Netty's HTTP/3 client on
 * loopback: the semantics HTTP/1.1 and HTTP/2 have (GET, HEAD, Range, 304, a miss through the
 * shard, X-Cache, access log, metrics), many streams on one connection, the stream limit, Alt-Svc
 * on the TCP responses, and GOAWAY on drain.
 */
class EdgeHttp3Test {
  @TempDir static Path dir;
  static FakeShard shard;
  static EdgeServer edge;
  static CertificateFiles localhost;
  static SSLContext trusting;
  static Path accessLog;
  static NettyLeakWatch leaks;

  static final int MAX_STREAMS = 64;
  static final byte[] BODY = EdgeServerTest.bytes(20_000, 7);

  @BeforeAll
  static void start() throws Exception {
    leaks = new NettyLeakWatch();
    localhost = TlsTesting.certificate(dir, "localhost", "dns:localhost", "ip:127.0.0.1");
    trusting = TlsTesting.trusting(localhost.chain());
    shard = new FakeShard("shard-1");
    shard.objects.put("/photos/a.jpg", BODY);
    accessLog = dir.resolve("access.log");
    edge =
        Edges.start(
            dir,
            List.of(shard),
            Map.of(
                "edge.tls.port",
                "0",
                "server.http2.enabled",
                "true",
                "server.http3.enabled",
                "true",
                "server.http3.max-concurrent-streams",
                String.valueOf(MAX_STREAMS),
                "edge.tls.certificates",
                localhost.toString(),
                "server.access-log.file",
                accessLog.toString()));
  }

  @AfterAll
  static void stop() {
    Edges.stopClean(edge, shard, leaks);
  }

  static String adminGet(String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.adminPort() + path))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  static RawH3 client() throws Exception {
    return new RawH3(edge.http3().port(), TlsTesting.leaf(localhost.chain()));
  }

  @Test
  void servesOnTheHttpsPortNumber_overUdp() {
    assertThat(edge.http3()).isNotNull();
    assertThat(edge.http3().port()).isEqualTo(edge.tlsPort());
  }

  @Test
  void get_missThroughTheShard_thenHit() throws Exception {
    byte[] body = EdgeServerTest.bytes(30_000, 11);
    shard.objects.put("/photos/miss.jpg", body);
    try (RawH3 h3 = client()) {
      Answer miss = h3.get("GET", "/photos/miss.jpg");
      assertThat(miss.status()).isEqualTo(200);
      assertThat(miss.body()).isEqualTo(body);
      assertThat(miss.headers().get("x-cache")).startsWith("edge-1;miss");
      assertThat(shard.requests.get("/photos/miss.jpg").get()).isEqualTo(1);
      Answer hit = h3.get("GET", "/photos/miss.jpg");
      assertThat(hit.status()).isEqualTo(200);
      assertThat(hit.body()).isEqualTo(body);
      assertThat(hit.headers())
          .containsEntry("x-cache", "edge-1;hit")
          .containsEntry("content-length", String.valueOf(body.length))
          .containsKey("date")
          .containsKey("etag")
          .containsEntry("x-content-type-options", "nosniff");
      assertThat(shard.requests.get("/photos/miss.jpg").get()).isEqualTo(1);
    }
  }

  @Test
  void head_range_conditional() throws Exception {
    try (RawH3 h3 = client()) {
      Answer full = h3.get("GET", "/photos/a.jpg");
      assertThat(full.status()).isEqualTo(200);
      String etag = full.headers().get("etag");
      assertThat(etag).isNotNull();

      Answer head = h3.get("HEAD", "/photos/a.jpg");
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.headers()).containsEntry("content-length", String.valueOf(BODY.length));
      assertThat(head.body()).isEmpty();

      Answer range = h3.get("GET", "/photos/a.jpg", "range", "bytes=100-199");
      assertThat(range.status()).isEqualTo(206);
      assertThat(range.headers()).containsEntry("content-range", "bytes 100-199/" + BODY.length);
      assertThat(range.body()).isEqualTo(Arrays.copyOfRange(BODY, 100, 200));

      Answer notModified = h3.get("GET", "/photos/a.jpg", "if-none-match", etag);
      assertThat(notModified.status()).isEqualTo(304);
      assertThat(notModified.body()).isEmpty();
      assertThat(notModified.headers()).containsEntry("etag", etag);

      Answer post = h3.get("POST", "/photos/a.jpg");
      assertThat(post.status()).isEqualTo(405);
    }
  }

  @Test
  void manyConcurrentStreams_oneConnection_countedAndLogged() throws Exception {
    try (RawH3 h3 = client()) {
      h3.get("GET", "/photos/a.jpg");
      int sent = 0;
      int widest = 0;
      while (sent < 200) { // as many at once as the stream credit allows, 200 in all
        EdgeStreamingTest.await(
            "stream credit", () -> h3.quic.peerAllowedStreams(QuicStreamType.BIDIRECTIONAL) > 0);
        int n =
            (int) Math.min(h3.quic.peerAllowedStreams(QuicStreamType.BIDIRECTIONAL), 200 - sent);
        widest = Math.max(widest, n);
        List<CompletableFuture<Answer>> all = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          all.add(h3.send("GET", "/photos/a.jpg"));
        }
        for (CompletableFuture<Answer> f : all) {
          Answer a = f.get(60, TimeUnit.SECONDS);
          assertThat(a.status()).isEqualTo(200);
          assertThat(a.body()).isEqualTo(BODY);
        }
        sent += n;
      }
      assertThat(widest).as("requests in flight at once").isGreaterThanOrEqualTo(MAX_STREAMS / 2);
      assertThat(edge.http3().open()).as("one QUIC connection carried them all").isEqualTo(1);
    }
    java.util.regex.Matcher h3Requests =
        java.util.regex.Pattern.compile(
                "imgcdn_protocol_requests_total\\{[^}]*protocol=\"h3\"[^}]*} ([0-9.E]+)")
            .matcher(adminGet("/metrics"));
    assertThat(h3Requests.find()).isTrue();
    assertThat(Double.parseDouble(h3Requests.group(1))).isGreaterThanOrEqualTo(201);
    EdgeStreamingTest.await(
        "the access log line of an h3 request, with the client's address",
        () -> {
          try {
            return Files.exists(accessLog)
                && Files.readAllLines(accessLog).stream()
                    .anyMatch(l -> l.contains("HTTP/3.0") && l.contains("127.0.0.1"));
          } catch (java.io.IOException e) {
            return false;
          }
        });
  }

  @Test
  void streamLimit_clientCannotOpenMore_untilOneEnds() throws Exception {
    try (RawH3 h3 = client()) {
      List<QuicStreamChannel> held = new ArrayList<>();
      List<CompletableFuture<Answer>> answers = new ArrayList<>();
      CompletableFuture<Answer> refused = null;
      for (int i = 0; i < 2 * MAX_STREAMS && refused == null; i++) {
        CompletableFuture<Answer> a = new CompletableFuture<>();
        QuicStreamChannel s = h3.open("GET", "/photos/a.jpg", false, a); // request side left open
        if (s == null) {
          refused = a;
        } else {
          held.add(s);
          answers.add(a);
        }
      }
      assertThat(held).as("streams the client could open at once").hasSize(MAX_STREAMS);
      assertThat(h3.quic.peerAllowedStreams(QuicStreamType.BIDIRECTIONAL)).isZero();
      try {
        refused.get(10, TimeUnit.SECONDS);
        throw new AssertionError("a stream over the limit was opened");
      } catch (java.util.concurrent.ExecutionException e) {
        assertThat(e).hasStackTraceContaining("STREAM_LIMIT");
      }
      for (QuicStreamChannel s : held) {
        s.shutdownOutput();
      }
      for (CompletableFuture<Answer> a : answers) {
        assertThat(a.get(20, TimeUnit.SECONDS).status()).isEqualTo(200);
      }
      EdgeStreamingTest.await(
          "new stream credit once the held streams ended",
          () -> h3.quic.peerAllowedStreams(QuicStreamType.BIDIRECTIONAL) > 0);
      assertThat(h3.get("GET", "/photos/a.jpg").status()).isEqualTo(200);
    }
  }

  @Test
  void headerSectionOverTheLimit_endsThatConnection_nodeServesOn() throws Exception {
    try (RawH3 h3 = client()) {
      // The limit was announced in SETTINGS_MAX_FIELD_SECTION_SIZE; Netty's codec ends a
      // connection that exceeds it (H3_EXCESSIVE_LOAD) rather than answering 431 as on HTTP/2.
      CompletableFuture<Answer> big = h3.send("GET", "/photos/a.jpg", "x-big", "a".repeat(20_000));
      assertThatThrownBy(() -> big.get(20, TimeUnit.SECONDS))
          .isInstanceOf(java.util.concurrent.ExecutionException.class);
    }
    try (RawH3 h3 = client()) {
      assertThat(h3.get("GET", "/photos/a.jpg").status()).isEqualTo(200);
    }
  }

  @Test
  void altSvc_onHttp1AndHttp2Responses_notOnCleartext() throws Exception {
    String expected = "h3=\":" + edge.tlsPort() + "\"; ma=86400";
    for (HttpClient.Version version :
        List.of(HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2)) {
      HttpResponse<byte[]> r =
          HttpClient.newBuilder()
              .sslContext(trusting)
              .version(version)
              .build()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("https://127.0.0.1:" + edge.tlsPort() + "/photos/a.jpg"))
                      .build(),
                  HttpResponse.BodyHandlers.ofByteArray());
      assertThat(r.version()).isEqualTo(version);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("alt-svc")).as(version.toString()).hasValue(expected);
    }
    HttpResponse<byte[]> cleartext =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + edge.port() + "/photos/a.jpg"))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(cleartext.statusCode()).isEqualTo(200);
    assertThat(cleartext.headers().firstValue("alt-svc")).isEmpty();
  }

  @Test
  void certificateReload_newQuicConnectionsGetTheNewOne_openOnesServeOn() throws Exception {
    CertificateFiles v1 = TlsTesting.certificate(dir, "h3v1", "dns:localhost", "ip:127.0.0.1");
    CertificateFiles live =
        new CertificateFiles(dir.resolve("h3live.pem"), dir.resolve("h3live.key"));
    TlsTesting.replace(v1.chain(), live.chain());
    TlsTesting.replace(v1.key(), live.key());
    FakeShard own = new FakeShard("shard-reload");
    own.objects.put("/photos/a.jpg", BODY);
    EdgeServer reloading =
        Edges.start(
            dir,
            List.of(own),
            Map.of(
                "edge.tls.port",
                "0",
                "edge.tls.certificates",
                live.toString(),
                "server.http3.enabled",
                "true"));
    CertificateFiles v2 = TlsTesting.certificate(dir, "h3v2", "dns:localhost", "ip:127.0.0.1");
    int port = reloading.http3().port();
    try (RawH3 old = new RawH3(port, TlsTesting.leaf(v1.chain()))) {
      assertThat(old.get("GET", "/photos/a.jpg").status()).isEqualTo(200);
      assertThatThrownBy(() -> new RawH3(port, TlsTesting.leaf(v2.chain())).close())
          .as("v2 is not in service yet")
          .hasStackTraceContaining("CERTIFICATE_VERIFY_FAILED");
      TlsTesting.replace(v2.chain(), live.chain());
      TlsTesting.replace(v2.key(), live.key());
      HttpResponse<String> reload =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:" + reloading.adminPort() + "/admin/tls/reload"))
                      .header("Authorization", "Bearer t")
                      .POST(HttpRequest.BodyPublishers.noBody())
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(reload.statusCode()).as(reload.body()).isEqualTo(200);
      try (RawH3 fresh = new RawH3(port, TlsTesting.leaf(v2.chain()))) {
        assertThat(fresh.get("GET", "/photos/a.jpg").status()).isEqualTo(200);
      }
      assertThat(old.get("GET", "/photos/a.jpg").status())
          .as("the connection made with v1 serves on")
          .isEqualTo(200);
    } finally {
      reloading.close();
      own.close();
    }
  }

  @Test
  void drain_sendsGoAway_finishesTheStreamInFlight_thenCloses() throws Exception {
    FakeShard slow = new FakeShard("shard-slow");
    slow.objects.put("/photos/slow.jpg", BODY);
    CompletableFuture<Void> gate = new CompletableFuture<>();
    slow.gate = gate;
    EdgeServer draining =
        Edges.start(
            dir,
            List.of(slow),
            Map.of(
                "edge.tls.port", "0",
                "edge.tls.certificates", localhost.toString(),
                "server.http3.enabled", "true",
                "server.shutdown-grace", "20s"));
    try (RawH3 h3 = new RawH3(draining.http3().port(), TlsTesting.leaf(localhost.chain()))) {
      CompletableFuture<Answer> inFlight = h3.send("GET", "/photos/slow.jpg");
      EdgeStreamingTest.await(
          "the request reached the shard", () -> slow.requests.containsKey("/photos/slow.jpg"));
      CompletableFuture<Void> closed = CompletableFuture.runAsync(draining::close);
      EdgeStreamingTest.await("a GOAWAY", () -> !h3.goAways.isEmpty());
      assertThat(h3.goAways.get(0)).as("the stream in flight (id 0) is served").isEqualTo(4);
      assertThat(closed).isNotDone();
      gate.complete(null);
      Answer a = inFlight.get(20, TimeUnit.SECONDS);
      assertThat(a.status()).isEqualTo(200);
      assertThat(a.body()).isEqualTo(BODY);
      closed.get(30, TimeUnit.SECONDS);
    } finally {
      draining.close();
      slow.close();
    }
  }
}
