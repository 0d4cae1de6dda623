package io.imgcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.http.ETags;
import io.imgcdn.common.testing.NettyLeakWatch;
import io.imgcdn.edge.RawH2.Frame;
import io.imgcdn.edge.tls.CertificateFiles;
import io.imgcdn.edge.tls.TlsTesting;
import io.imgcdn.edge.tls.TlsTesting.Run;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.internal.PlatformDependent;
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
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 on the edge's HTTPS port, to real clients on loopback: curl (h2 and http/1.1 on the same
 * port), the JDK's HttpClient (many streams on one connection), and a raw frame client for what
 * browsers never send: rapid resets, CONTINUATION floods, HPACK bombs, too many streams, oversized
 * headers, a window never opened. Each is answered by a limit, and the node keeps serving.
 */
class EdgeHttp2Test {
  @TempDir static Path dir;
  static FakeShard shard;
  static EdgeServer edge;
  static CertificateFiles localhost;
  static SSLContext trusting;
  static Path accessLog;
  static NettyLeakWatch leaks;

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
                "edge.tls.certificates",
                localhost.toString(),
                "server.access-log.file",
                accessLog.toString()));
  }

  @AfterAll
  static void stop() {
    Edges.stopClean(edge, shard, leaks);
  }

  static String url(EdgeServer e, String path) {
    return "https://127.0.0.1:" + e.tlsPort() + path;
  }

  static HttpClient h2Client() {
    return HttpClient.newBuilder().sslContext(trusting).version(HttpClient.Version.HTTP_2).build();
  }

  static HttpResponse<byte[]> get(HttpClient client, String path, String... headers)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(edge, path)));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void curl_h2AndHttp11_onTheSamePort() {
    Run h2 =
        TlsTesting.run(
            null,
            "curl",
            "-sv",
            "--http2",
            "--cacert",
            localhost.chain().toString(),
            "-o",
            "/dev/null",
            url(edge, "/photos/a.jpg"));
    assertThat(h2.exit()).as(h2.output()).isZero();
    assertThat(h2.output())
        .contains("ALPN: server accepted h2")
        .contains("< HTTP/2 200")
        .containsPattern("< x-cache: edge-1;")
        .contains("< content-length: " + BODY.length)
        .containsPattern("< date: ");
    Run http1 =
        TlsTesting.run(
            null,
            "curl",
            "-sv",
            "--http1.1",
            "--cacert",
            localhost.chain().toString(),
            "-o",
            "/dev/null",
            url(edge, "/photos/a.jpg"));
    assertThat(http1.exit()).as(http1.output()).isZero();
    assertThat(http1.output())
        .contains("ALPN: server accepted http/1.1")
        .contains("< HTTP/1.1 200");
  }

  @Test
  void jdkClient_manyConcurrentStreams_oneConnection_allHttp2() throws Exception {
    HttpClient client = h2Client();
    get(client, "/photos/a.jpg"); // the connection, and the object cached
    int open = edge.secure().connections().open();
    List<CompletableFuture<HttpResponse<byte[]>>> all = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      all.add(
          client.sendAsync(
              HttpRequest.newBuilder(URI.create(url(edge, "/photos/a.jpg?n=" + i))).build(),
              HttpResponse.BodyHandlers.ofByteArray()));
    }
    for (CompletableFuture<HttpResponse<byte[]>> f : all) {
      HttpResponse<byte[]> r = f.join();
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo(BODY);
      assertThat(r.headers().firstValue("x-cache")).hasValue("edge-1;hit");
    }
    // No connection opened for them (earlier tests' connections may still be closing: fewer is
    // fine).
    assertThat(edge.secure().connections().open())
        .as("the client's one connection carried them all")
        .isLessThanOrEqualTo(open);
    java.util.regex.Matcher h2Requests =
        java.util.regex.Pattern.compile(
                "imgcdn_protocol_requests_total\\{[^}]*protocol=\"h2\"[^}]*} ([0-9.E]+)")
            .matcher(adminGet("/metrics"));
    assertThat(h2Requests.find()).isTrue();
    assertThat(Double.parseDouble(h2Requests.group(1))).isGreaterThanOrEqualTo(101);
    EdgeStreamingTest.await(
        "the access log line of an h2 request",
        () -> {
          try {
            return Files.exists(accessLog) && Files.readString(accessLog).contains("HTTP/2.0");
          } catch (java.io.IOException e) {
            return false;
          }
        });
  }

  static String adminGet(String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.adminPort() + path))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  @Test
  void h2load_manyStreamsOnFewConnections_allSucceed() {
    Run run =
        TlsTesting.run(
            null, "h2load", "-n", "2000", "-c", "4", "-m", "32", url(edge, "/photos/a.jpg"));
    assertThat(run.exit()).as(run.output()).isZero();
    assertThat(run.output())
        .contains("Application protocol: h2")
        .contains("2000 succeeded, 0 failed, 0 errored")
        .contains("status codes: 2000 2xx");
    // A smoke figure beside HTTP/1.1 over TLS on the same port (no pipelining), not a benchmark:
    // paranoid leak detection makes h2 (more buffers per response) several times dearer here than
    // with production flags (bench/results/2026-12-edge-http2.md).
    Run http1 =
        TlsTesting.run(null, "h2load", "--h1", "-n", "2000", "-c", "4", url(edge, "/photos/a.jpg"));
    assertThat(http1.output()).contains("2000 succeeded, 0 failed, 0 errored");
    System.out.println("h2 (4 connections, 32 streams each): " + summary(run));
    System.out.println("http/1.1 (4 connections): " + summary(http1));
  }

  private static String summary(Run h2load) {
    return h2load.output().lines().filter(l -> l.contains("req/s")).findFirst().orElse("?")
        + " | "
        + h2load
            .output()
            .lines()
            .filter(l -> l.contains("time for request"))
            .findFirst()
            .orElse("?");
  }

  @Test
  void manyStreamsAtOnce_eachGetsWholeDataFrames() throws Exception {
    // The flow controller shares the connection among its streams; by Netty's default in slices
    // of 1 KB, which made every DATA frame of concurrent responses 1 KB (a 60 KB hit in 60 frames,
    // each with its own buffers and promise). Now each stream gets a whole frame per turn.
    byte[] picture = EdgeServerTest.bytes(61_440, 11);
    shard.objects.put("/photos/frames.jpg", picture);
    assertThat(get(h2Client(), "/photos/frames.jpg").body()).isEqualTo(picture); // cached
    int streams = 8;
    try (RawH2 h2 = new RawH2(trusting, edge.tlsPort(), 1 << 30)) {
      h2.frame(
          RawH2.WINDOW_UPDATE,
          0,
          0,
          java.nio.ByteBuffer.allocate(4).putInt((1 << 30) - 65_535).array());
      byte[] block = h2.block(RawH2.get(new DefaultHttp2Headers(), "/photos/frames.jpg"));
      for (int i = 0; i < streams; i++) {
        h2.frame(RawH2.HEADERS, RawH2.END_HEADERS | RawH2.END_STREAM, 1 + 2 * i, block);
      }
      h2.flush();
      Map<Integer, java.io.ByteArrayOutputStream> bodies = new java.util.HashMap<>();
      List<Integer> frameSizes = new ArrayList<>();
      int ended = 0;
      while (ended < streams) {
        Frame f = h2.readUntil(x -> x.type() == RawH2.DATA);
        assertThat(f).as("DATA of %d streams", streams).isNotNull();
        bodies
            .computeIfAbsent(f.stream(), k -> new java.io.ByteArrayOutputStream())
            .writeBytes(f.payload());
        frameSizes.add(f.payload().length);
        if (f.endStream()) {
          ended++;
        }
      }
      assertThat(bodies).hasSize(streams);
      bodies.values().forEach(b -> assertThat(b.toByteArray()).isEqualTo(picture));
      // 4 frames of at most 16 KB (the client's SETTINGS_MAX_FRAME_SIZE) per response at best; a
      // turn cut short by the socket's room may split one more. 1 KB slices would be 60.
      assertThat(frameSizes).as("DATA frame sizes").hasSizeLessThanOrEqualTo(streams * 6);
      assertThat(frameSizes.stream().filter(n -> n == 16_384).count())
          .as("full frames among %s", frameSizes)
          .isGreaterThanOrEqualTo(streams * 2L);
    }
  }

  @Test
  void jdkClient_rangeConditionalAndHead_overHttp2() throws Exception {
    HttpClient client = h2Client();
    HttpResponse<byte[]> range = get(client, "/photos/a.jpg", "Range", "bytes=10-19");
    assertThat(range.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(range.statusCode()).isEqualTo(206);
    assertThat(range.headers().firstValue("content-range")).hasValue("bytes 10-19/" + BODY.length);
    assertThat(range.body()).isEqualTo(java.util.Arrays.copyOfRange(BODY, 10, 20));

    HttpResponse<byte[]> notModified =
        get(client, "/photos/a.jpg", "If-None-Match", ETags.of(BODY));
    assertThat(notModified.statusCode()).isEqualTo(304);
    assertThat(notModified.body()).isEmpty();

    HttpResponse<byte[]> failed = get(client, "/photos/a.jpg", "If-Match", "\"other\"");
    assertThat(failed.statusCode()).isEqualTo(412);

    HttpResponse<byte[]> head =
        client.send(
            HttpRequest.newBuilder(URI.create(url(edge, "/photos/a.jpg")))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("content-length")).hasValue(String.valueOf(BODY.length));
    assertThat(head.body()).isEmpty();

    HttpResponse<byte[]> missing = get(client, "/photos/none.jpg");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(missing.version()).isEqualTo(HttpClient.Version.HTTP_2);
  }

  @Test
  void jdkClient_largeObjectRelayedFromTheShard_arrivesWholeOverHttp2() throws Exception {
    byte[] large = EdgeServerTest.bytes(3 << 20, 9); // over max-object-bytes: streamed
    shard.objects.put("/videos/large.bin", large);
    HttpClient client = h2Client();
    List<CompletableFuture<HttpResponse<byte[]>>> all = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      all.add(
          client.sendAsync(
              HttpRequest.newBuilder(URI.create(url(edge, "/videos/large.bin"))).build(),
              HttpResponse.BodyHandlers.ofByteArray()));
    }
    for (CompletableFuture<HttpResponse<byte[]>> f : all) {
      HttpResponse<byte[]> r = f.join();
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
      assertThat(r.body()).isEqualTo(large);
    }
  }

  @Test
  void requestWithABody_isRefusedWith400() throws Exception {
    try (RawH2 h2 = new RawH2(trusting, edge.tlsPort(), -1)) {
      h2.headers(
          1,
          RawH2.get(new DefaultHttp2Headers(), "/photos/a.jpg").set("content-length", "5"),
          false);
      h2.frame(RawH2.DATA, RawH2.END_STREAM, 1, "hello".getBytes(StandardCharsets.US_ASCII));
      h2.flush();
      Frame head = h2.readUntil(f -> f.type() == RawH2.HEADERS || f.type() == RawH2.RST_STREAM);
      assertThat(head).isNotNull();
      assertThat(head.headers().status().toString()).isEqualTo("400");
    }
  }

  @Test
  void rapidReset_endsTheConnection_andTheNodeKeepsServing() throws Exception {
    try (RawH2 h2 = new RawH2(trusting, edge.tlsPort(), -1)) {
      byte[] block = h2.block(RawH2.get(new DefaultHttp2Headers(), "/photos/a.jpg"));
      try {
        for (int i = 0; i < 1000; i++) {
          int stream = 1 + 2 * i;
          h2.headerBlock(stream, block, true);
          h2.rst(stream, RawH2.CANCEL);
        }
        h2.flush();
      } catch (java.io.IOException e) {
        // the server closed the connection while we were still resetting: what this is about
      }
      Frame goAway = h2.readToEnd();
      assertThat(goAway).as("GOAWAY before the close").isNotNull();
      assertThat(goAway.errorCode()).as(goAway.toString()).isEqualTo(RawH2.ENHANCE_YOUR_CALM);
    }
    assertThat(get(h2Client(), "/photos/a.jpg").statusCode()).isEqualTo(200);
  }

  @Test
  void settingsFlood_fromAClientNotReadingTheAcks_endsTheConnection_andTheNodeKeepsServing()
      throws Exception {
    controlFrameFlood(RawH2.SETTINGS, new byte[0]);
  }

  @Test
  void pingFlood_fromAClientNotReadingTheAcks_endsTheConnection_andTheNodeKeepsServing()
      throws Exception {
    controlFrameFlood(RawH2.PING, new byte[8]);
  }

  /**
   * Sends control frames that each ask for an acknowledgement (SETTINGS, PING), reading nothing:
   * the acknowledgements the edge cannot write pile up behind the socket's buffers, up to
   * max-queued-control-frames (10,000, about 170 KB of frames), and then it ends the connection
   * with GOAWAY ENHANCE_YOUR_CALM instead of queueing without bound. The GOAWAY is often lost: it
   * is queued behind the acknowledgements, and the close of a socket with unread frames resets it.
   */
  private static void controlFrameFlood(int type, byte[] payload) throws Exception {
    long frames = 0;
    // Unbounded, 8,000,000 frames would queue 72 MB (SETTINGS) to 136 MB (PING) of
    // acknowledgements:
    // well above the bound asserted below, which leaves room for the pools' chunks (4 MB each, in
    // every arena the flood's threads touch; the whole JVM's direct memory is measured).
    long limit = 8_000_000;
    long directBefore = PlatformDependent.usedDirectMemory();
    long directMax = 0;
    try (RawH2 h2 = new RawH2(trusting, edge.tlsPort(), -1, 4096)) {
      try {
        while (frames < limit) {
          h2.frames(type, 0, 0, payload, 1000);
          h2.flush();
          frames += 1000;
          directMax = Math.max(directMax, PlatformDependent.usedDirectMemory() - directBefore);
        }
      } catch (java.io.IOException e) {
        // the edge closed the connection mid-flood: what this is about
      }
      assertThat(frames).as("frames sent before the edge ended the connection").isLessThan(limit);
      Frame end = h2.readUntil(f -> f.type() != RawH2.SETTINGS && f.type() != RawH2.PING);
      if (end != null) {
        assertThat(end.type()).as(end.toString()).isEqualTo(RawH2.GOAWAY);
        assertThat(end.errorCode()).as(end.toString()).isEqualTo(RawH2.ENHANCE_YOUR_CALM);
      }
      System.out.printf(
          "flood of frame type %d: connection ended after %d frames sent (%s), direct memory"
              + " grew by at most %.1f MB%n",
          type, frames, end, directMax / 1e6);
    }
    // Pooled chunks of 4 MB hold the queued acknowledgements and the TLS records behind them.
    assertThat(directMax).as("direct memory grown during the flood").isLessThan(64L << 20);
    assertThat(get(h2Client(), "/photos/a.jpg").statusCode()).isEqualTo(200);
  }

  @Test
  void streamsBeyondMaxConcurrent_areRefused() throws Exception {
    try (RawH2 h2 = new RawH2(trusting, edge.tlsPort(), -1)) {
      Http2Headers get = RawH2.get(new DefaultHttp2Headers(), "/photos/a.jpg");
      // Streams left open by the client (no END_STREAM): each stays active after its answer.
      for (int i = 0; i < 129; i++) {
        h2.headers(1 + 2 * i, get, false);
      }
      Frame refused = h2.readUntil(f -> f.type() == RawH2.RST_STREAM);
      assertThat(refused).isNotNull();
      assertThat(refused.stream()).isEqualTo(1 + 2 * 128);
      assertThat(refused.errorCode()).isEqualTo(RawH2.REFUSED_STREAM);
    }
  }

  @Test
  void headerListOverTheLimit_gets431_andTheConnectionServesOn() throws Exception {
    try (RawH2 h2 = new RawH2(trusting, edge.tlsPort(), -1)) {
      Http2Headers big =
          RawH2.get(new DefaultHttp2Headers(), "/photos/a.jpg").set("x-big", "a".repeat(20_000));
      h2.headers(1, big, true);
      Frame answer = h2.readUntil(f -> f.stream() == 1);
      assertThat(answer).isNotNull();
      assertThat(answer.type()).as(answer.toString()).isEqualTo(RawH2.HEADERS);
      assertThat(answer.headers().status().toString()).isEqualTo("431");
      h2.headers(3, RawH2.get(new DefaultHttp2Headers(), "/photos/a.jpg"), true);
      Frame next = h2.readUntil(f -> f.stream() == 3 && f.type() == RawH2.HEADERS);
      assertThat(next).isNotNull();
      assertThat(next.headers().status().toString()).isEqualTo("200");
    }
  }

  @Test
  void hpackBomb_smallBlockDecodingPastTheLimit_isRefused() throws Exception {
    try (RawH2 h2 = new RawH2(trusting, edge.tlsPort(), -1)) {
      // One 4000-byte field put in the dynamic table (literal with incremental indexing, new
      // name), then 200 one-byte references to it: a 4 KB block that decodes to 800 KB.
      java.io.ByteArrayOutputStream block = new java.io.ByteArrayOutputStream();
      block.writeBytes(h2.block(RawH2.get(new DefaultHttp2Headers(), "/photos/a.jpg")));
      block.write(0x40);
      block.write(5);
      block.writeBytes("x-big".getBytes(StandardCharsets.US_ASCII));
      block.write(0x7f); // 4000 = 127 + 3873 (HPACK integer, 7-bit prefix)
      int rest = 4000 - 127;
      while (rest >= 128) {
        block.write((rest & 0x7f) | 0x80);
        rest >>>= 7;
      }
      block.write(rest);
      block.writeBytes("b".repeat(4000).getBytes(StandardCharsets.US_ASCII));
      for (int i = 0; i < 200; i++) {
        block.write(0x80 | 62); // indexed: the newest dynamic entry
      }
      assertThat(block.size()).isLessThan(5000);
      h2.headerBlock(1, block.toByteArray(), true);
      Frame answer = h2.readUntil(f -> f.stream() == 1 || f.type() == RawH2.GOAWAY);
      if (answer != null && answer.type() == RawH2.HEADERS) {
        assertThat(answer.headers().status().toString()).isEqualTo("431");
      } else if (answer != null) {
        assertThat(answer.type()).as(answer.toString()).isIn(RawH2.RST_STREAM, RawH2.GOAWAY);
      }
    }
    assertThat(get(h2Client(), "/photos/a.jpg").statusCode()).isEqualTo(200);
  }

  @Test
  void continuationFlood_endsTheConnectionBeforeTheBlockGrowsUnbounded() throws Exception {
    try (RawH2 h2 = new RawH2(trusting, edge.tlsPort(), -1)) {
      byte[] start = h2.block(RawH2.get(new DefaultHttp2Headers(), "/photos/a.jpg"));
      h2.frame(RawH2.HEADERS, RawH2.END_STREAM, 1, start);
      byte[] junk = new byte[4096];
      java.util.Arrays.fill(junk, (byte) 0x40); // literal field starts, never finished
      long sent = 0;
      try {
        for (int i = 0; i < 4096; i++) { // up to 16 MB, never END_HEADERS
          h2.frame(RawH2.CONTINUATION, 0, 1, junk);
          sent += junk.length;
        }
        h2.flush();
      } catch (java.io.IOException e) {
        // closed by the server mid-flood
      }
      Frame goAway = h2.readToEnd();
      assertThat(goAway).as("GOAWAY after %d bytes of CONTINUATION", sent).isNotNull();
      assertThat(goAway.errorCode()).as(goAway.toString()).isNotZero();
    }
    assertThat(get(h2Client(), "/photos/a.jpg").statusCode()).isEqualTo(200);
  }
}
