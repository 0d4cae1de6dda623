package io.imgcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.testing.NettyLeakWatch;
import io.imgcdn.edge.RawH2.Frame;
import io.imgcdn.edge.tls.CertificateFiles;
import io.imgcdn.edge.tls.TlsTesting;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 connections that the edge must end well: one whose client never opens its flow-control
 * window (memory held stays at the relay's per-client bound, and the idle timeout closes it), and
 * one open when the edge drains (GOAWAY, its stream still answered, then closed).
 */
class EdgeHttp2StallAndDrainTest {
  @TempDir Path dir;

  private EdgeServer start(FakeShard shard, Map<String, String> extra) {
    CertificateFiles localhost =
        TlsTesting.certificate(dir, "localhost", "dns:localhost", "ip:127.0.0.1");
    Map<String, String> all = new HashMap<>(extra);
    all.put("edge.tls.port", "0");
    all.put("server.http2.enabled", "true");
    all.put("edge.tls.certificates", localhost.toString());
    trusting = TlsTesting.trusting(localhost.chain());
    return Edges.start(dir, List.of(shard), all);
  }

  private SSLContext trusting;

  @Test
  void zeroWindow_relaysPausedAtTheirQueueBound_thenTheIdleTimeoutClosesTheConnection()
      throws Exception {
    NettyLeakWatch leaks = new NettyLeakWatch();
    FakeShard shard = new FakeShard("shard-1");
    int picture = 15 << 20;
    io.netty.buffer.ByteBuf body =
        io.netty.buffer.Unpooled.directBuffer(picture)
            .writeBytes(EdgeServerTest.bytes(picture, 41));
    int streams = 8;
    for (int i = 0; i < streams; i++) {
      shard.directObjects.put("/slow/" + i + ".jpg", body);
    }
    EdgeServer edge =
        start(
            shard,
            Map.of(
                "edge.cache.max-object-bytes", "4m",
                "edge.stream.release-after", "off",
                "server.idle-timeout", "2s"));
    try {
      long pulledBefore = edge.tier().stats().streamedBytes();
      // SETTINGS_INITIAL_WINDOW_SIZE 0: the edge may send headers but not one byte of body.
      try (RawH2 h2 = new RawH2(trusting, edge.tlsPort(), 0)) {
        for (int i = 0; i < streams; i++) {
          h2.headers(1 + 2 * i, RawH2.get(new DefaultHttp2Headers(), "/slow/" + i + ".jpg"), true);
        }
        EdgeStreamingTest.await(
            "every relay open and paused by its stream's window",
            Duration.ofSeconds(30),
            () ->
                edge.tier().stats().openStreams() == streams
                    && edge.tier().stats().pausedStreams() == streams);
        long pulled = edge.tier().stats().streamedBytes() - pulledBefore;
        System.out.printf(
            "%d h2 streams with a zero window: %.2f MB read from the shard (%.0f KB per relay)%n",
            streams, pulled / 1e6, pulled / 1024.0 / streams);
        // The HTTP/1.1 bound per relay: its queue (256 KB) and a read in progress; with a window
        // of 0 nothing reaches the socket, so that is all.
        assertThat(pulled).isLessThan(streams * (512L << 10));
        long stalled = System.nanoTime();
        h2.readToEnd(); // fails if the edge keeps the connection past the read timeout (10 s)
        long closedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stalled);
        assertThat(closedAfter).as("closed after the 2 s idle timeout").isLessThan(5_000);
      }
      EdgeStreamingTest.await(
          "the relays ended with their connection", () -> edge.tier().stats().openStreams() == 0);
    } finally {
      Edges.stopClean(edge, shard, leaks);
      body.release();
    }
  }

  @Test
  void slowHttp2Reader_holdsNoMoreThanSlowHttp1Readers() throws Exception {
    // The same relays (15 MB pictures over max-object-bytes, one per request) to clients that read
    // nothing: first on HTTP/1.1, one connection each, then as streams of one HTTP/2 connection
    // whose client opened every window wide (flow control bounds nothing; only the socket does).
    NettyLeakWatch leaks = new NettyLeakWatch();
    FakeShard shard = new FakeShard("shard-1");
    int picture = 15 << 20;
    io.netty.buffer.ByteBuf body =
        io.netty.buffer.Unpooled.directBuffer(picture)
            .writeBytes(EdgeServerTest.bytes(picture, 43));
    int clients = 8;
    for (int i = 0; i < clients; i++) {
      shard.directObjects.put("/h1/" + i + ".jpg", body);
      shard.directObjects.put("/h2/" + i + ".jpg", body);
    }
    EdgeServer edge =
        start(
            shard,
            Map.of(
                "edge.cache.max-object-bytes", "4m",
                "edge.stream.release-after", "off",
                "server.idle-timeout", "60s"));
    try {
      long[] http1;
      List<RawHttp> slow = new java.util.ArrayList<>();
      try {
        http1 =
            heldWhilePaused(
                edge,
                clients,
                () -> {
                  for (int i = 0; i < clients; i++) {
                    RawHttp c = new RawHttp(edge.port(), 16 * 1024);
                    slow.add(c);
                    c.send(RawHttp.get("/h1/" + i + ".jpg"));
                  }
                });
      } finally {
        for (RawHttp c : slow) {
          c.close();
        }
      }
      EdgeStreamingTest.await(
          "the HTTP/1.1 relays ended with their clients",
          () -> edge.tier().stats().openStreams() == 0);
      long[] http2;
      try (RawH2 h2 = new RawH2(trusting, edge.tlsPort(), (1 << 30) - 1, 16 * 1024)) {
        h2.frame(
            RawH2.WINDOW_UPDATE,
            0,
            0,
            java.nio.ByteBuffer.allocate(4).putInt((1 << 30) - 65_535).array());
        http2 =
            heldWhilePaused(
                edge,
                clients,
                () -> {
                  for (int i = 0; i < clients; i++) {
                    h2.headers(
                        1 + 2 * i, RawH2.get(new DefaultHttp2Headers(), "/h2/" + i + ".jpg"), true);
                  }
                });
      }
      System.out.printf(
          "%d slow readers of %d MB pictures: HTTP/1.1 %.1f MB pulled from the shard, %.1f MB"
              + " direct memory; HTTP/2 (one connection) %.1f MB pulled, %.1f MB direct%n",
          clients, picture >> 20, http1[0] / 1e6, http1[1] / 1e6, http2[0] / 1e6, http2[1] / 1e6);
      assertThat(http2[0])
          .as("bytes pulled for slow HTTP/2 streams, against %d for HTTP/1.1", http1[0])
          .isLessThanOrEqualTo(http1[0]);
      // Direct memory moves by the allocator's chunks (up to 4 MB each): one chunk of slack.
      assertThat(http2[1])
          .as("direct memory held for slow HTTP/2 streams, against %d for HTTP/1.1", http1[1])
          .isLessThanOrEqualTo(http1[1] + (4L << 20));
    } finally {
      Edges.stopClean(edge, shard, leaks);
      body.release();
    }
  }

  private interface Requests {
    void send() throws Exception;
  }

  /**
   * Sends the requests, waits until each has its relay paused by its client, and returns the bytes
   * read from the shard for them and the growth of direct memory.
   */
  private static long[] heldWhilePaused(EdgeServer edge, int relays, Requests requests)
      throws Exception {
    long directBefore = io.netty.util.internal.PlatformDependent.usedDirectMemory();
    long pulledBefore = edge.tier().stats().streamedBytes();
    requests.send();
    EdgeStreamingTest.await(
        "every relay open and paused by its client",
        Duration.ofSeconds(60),
        () ->
            edge.tier().stats().openStreams() == relays
                && edge.tier().stats().pausedStreams() == relays);
    return new long[] {
      edge.tier().stats().streamedBytes() - pulledBefore,
      io.netty.util.internal.PlatformDependent.usedDirectMemory() - directBefore
    };
  }

  @Test
  void drain_sendsGoAway_letsTheOpenStreamFinish_thenCloses() throws Exception {
    NettyLeakWatch leaks = new NettyLeakWatch();
    FakeShard shard = new FakeShard("shard-1");
    byte[] body = EdgeServerTest.bytes(30_000, 3);
    shard.objects.put("/photos/slow.jpg", body);
    shard.gate = new CompletableFuture<>();
    EdgeServer edge = start(shard, Map.of());
    try (RawH2 h2 = new RawH2(trusting, edge.tlsPort(), -1)) {
      h2.headers(1, RawH2.get(new DefaultHttp2Headers(), "/photos/slow.jpg"), true);
      EdgeStreamingTest.await(
          "the edge asked the shard", () -> shard.requests("/photos/slow.jpg") == 1);
      CompletableFuture<Boolean> drained =
          CompletableFuture.supplyAsync(
              () -> edge.secure().shutdownGracefully(Duration.ofSeconds(10)));
      Frame goAway = h2.readUntil(f -> f.type() == RawH2.GOAWAY);
      assertThat(goAway).isNotNull();
      assertThat(goAway.errorCode()).as(goAway.toString()).isZero();
      assertThat(drained).isNotDone();
      shard.gate.complete(null);
      Frame head = h2.readUntil(f -> f.stream() == 1);
      assertThat(head.type()).as(head.toString()).isEqualTo(RawH2.HEADERS);
      assertThat(head.headers().status().toString()).isEqualTo("200");
      ByteArrayOutputStream received = new ByteArrayOutputStream();
      Frame data;
      do {
        data = h2.readUntil(f -> f.stream() == 1);
        assertThat(data.type()).isEqualTo(RawH2.DATA);
        received.writeBytes(data.payload());
      } while (!data.endStream());
      assertThat(received.toByteArray()).isEqualTo(body);
      h2.readToEnd(); // the edge closes the connection once its last stream is done
      assertThat(drained.get(10, TimeUnit.SECONDS)).as("drained within the grace").isTrue();
    } finally {
      Edges.stopClean(edge, shard, leaks);
    }
  }
}
