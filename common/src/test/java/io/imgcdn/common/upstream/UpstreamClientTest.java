package io.imgcdn.common.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.common.http.HttpServer;
import io.imgcdn.common.http.ImageObject;
import io.imgcdn.common.http.ObjectServerHandler;
import io.imgcdn.common.http.Reply;
import io.imgcdn.common.http.Response;
import io.imgcdn.common.http.ServerOptions;
import io.imgcdn.common.http.Tier;
import io.imgcdn.common.http.Transports;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The pooled client against a real server on 127.0.0.1: whole bodies, limits, timeouts, streams.
 */
class UpstreamClientTest {
  static EventLoopGroup group;
  static HttpServer server;
  static UpstreamClient client;
  static final CompletableFuture<Response> NEVER = new CompletableFuture<>();
  static final CompletableFuture<Void> TOGETHER = new CompletableFuture<>();
  static final java.util.concurrent.atomic.AtomicInteger TOGETHER_ARRIVED =
      new java.util.concurrent.atomic.AtomicInteger();

  @BeforeAll
  static void start() {
    group = Transports.group(2, "upstream-test");
    Tier tier =
        (url, headers) ->
            switch (url.path()) {
              case "/small" -> CompletableFuture.completedFuture(Reply.ok(object(100), "n;hit"));
              case "/big" -> CompletableFuture.completedFuture(Reply.ok(object(2 << 20), "n;hit"));
              case "/never" -> NEVER;
              case "/big-together" -> {
                // Every request for it is answered at once, when the sixth has arrived: six heads
                // arrive together.
                TOGETHER_ARRIVED.incrementAndGet();
                yield TOGETHER.thenApply(v -> Reply.ok(object(2 << 20), "n;hit"));
              }
              default ->
                  CompletableFuture.completedFuture(
                      Reply.error(
                          io.netty.handler.codec.http.HttpResponseStatus.NOT_FOUND,
                          "none",
                          "n;miss"));
            };
    server =
        HttpServer.bind(
            group,
            group,
            "127.0.0.1",
            0,
            ServerOptions.withIdleTimeout(Duration.ofSeconds(30)),
            () -> new ObjectServerHandler("n", tier, null, 16));
    client =
        new UpstreamClient(
            group,
            new UpstreamSettings(Duration.ofMillis(500), Duration.ofSeconds(5), 4, 64, 1 << 20));
  }

  @AfterAll
  static void stop() {
    NEVER.complete(Reply.error(io.netty.handler.codec.http.HttpResponseStatus.GONE, "bye", ""));
    client.close();
    server.shutdownGracefully(Duration.ZERO);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  static ImageObject object(int n) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = (byte) i;
    }
    return new ImageObject("image/jpeg", "\"e\"", ImageObject.IMMUTABLE, b);
  }

  static String address() {
    return "127.0.0.1:" + server.port();
  }

  @Test
  void get_small_statusHeadersAndWholeBody() {
    UpstreamResponse r = client.get(address(), "/small", null).join();
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.headers().get("X-Cache")).isEqualTo("n;hit");
    assertThat(r.body()).isEqualTo(object(100).body());
    assertThat(client.get(address(), "/missing", null).join().status()).isEqualTo(404);
  }

  @Test
  void get_bodyAboveTheLimit_tooLarge() {
    assertThatThrownBy(() -> client.get(address(), "/big", null).join())
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOf(UpstreamException.class)
        .satisfies(
            e ->
                assertThat(((UpstreamException) e).kind())
                    .isEqualTo(UpstreamException.Kind.TOO_LARGE));
  }

  @Test
  void get_bodiesBeyondMaxCollectingBytes_waitTheirTurnAndAllArrive() {
    // Room for one 2 MiB body at a time (3 MiB): six asked together are collected one after
    // another.
    try (UpstreamClient bounded =
        new UpstreamClient(
            group,
            new UpstreamSettings(
                Duration.ofMillis(500), Duration.ofSeconds(60), 8, 64, 4 << 20, 3 << 20))) {
      List<CompletableFuture<UpstreamResponse>> gets = new java.util.ArrayList<>();
      for (int i = 0; i < 6; i++) {
        gets.add(bounded.get(address(), "/big-together", null));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (TOGETHER_ARRIVED.get() < 6 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      TOGETHER.complete(null);

      for (CompletableFuture<UpstreamResponse> g : gets) {
        assertThat(g.join().body()).isEqualTo(object(2 << 20).body());
      }
      assertThat(bounded.collectPeakBytes())
          .as("never two 2 MiB bodies at once")
          .isEqualTo(2L << 20);
      assertThat(bounded.collectWaits()).as("responses that waited for room").isPositive();
    }
  }

  @Test
  void get_noAnswer_timeoutWithinTheGivenTime() {
    long start = System.nanoTime();
    assertThatThrownBy(() -> client.get(address(), "/never", null, Duration.ofMillis(300)).join())
        .cause()
        .satisfies(
            e ->
                assertThat(((UpstreamException) e).kind())
                    .isEqualTo(UpstreamException.Kind.TIMEOUT));
    assertThat((System.nanoTime() - start) / 1_000_000).isBetween(250L, 3_000L);
  }

  /**
   * A raw server whose head comes at once and whose 10-byte body comes one byte per 100 ms; closed
   * after one response.
   */
  static ServerSocket trickling() throws Exception {
    ServerSocket s = new ServerSocket(0, 4, java.net.InetAddress.getLoopbackAddress());
    Thread.ofVirtual()
        .start(
            () -> {
              try (s;
                  java.net.Socket c = s.accept()) {
                c.getInputStream().read(new byte[4096]); // the request head (small, one read)
                java.io.OutputStream out = c.getOutputStream();
                out.write(
                    "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"
                        .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                out.flush();
                for (int i = 0; i < 10; i++) {
                  Thread.sleep(100); // the fault itself: a body that keeps coming, slowly
                  out.write('0' + i);
                  out.flush();
                }
                c.getInputStream().read(); // until the client closes
              } catch (Exception e) {
                // the client gave up: that is one of the outcomes tested
              }
            });
    return s;
  }

  @Test
  void collect_bodyKeepsComing_notCutByTheHeadTimeout_getCutsIt() throws Exception {
    try (ServerSocket slow = trickling()) {
      UpstreamResponse r =
          client
              .collect("127.0.0.1:" + slow.getLocalPort(), "/x", null, Duration.ofMillis(300))
              .join();
      assertThat(new String(r.body(), java.nio.charset.StandardCharsets.US_ASCII))
          .isEqualTo("0123456789");
    }
    try (ServerSocket slow = trickling()) {
      assertThatThrownBy(
              () ->
                  client
                      .get("127.0.0.1:" + slow.getLocalPort(), "/x", null, Duration.ofMillis(300))
                      .join())
          .cause()
          .isInstanceOf(UpstreamException.class)
          .hasMessageContaining("no complete response within the time allowed");
    }
  }

  @Test
  void get_nothingListening_connectFailure() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    assertThatThrownBy(() -> client.get("127.0.0.1:" + port, "/small", null).join())
        .cause()
        .satisfies(
            e ->
                assertThat(((UpstreamException) e).kind())
                    .isEqualTo(UpstreamException.Kind.CONNECT));
  }

  @Test
  void exchange_bigBody_streamedInPiecesWithoutTheSizeLimit() {
    AtomicLong bytes = new AtomicLong();
    AtomicLong pieces = new AtomicLong();
    CompletableFuture<Integer> done = new CompletableFuture<>();
    client.exchange(
        address(),
        HttpMethod.GET,
        "/big",
        null,
        Duration.ofSeconds(5),
        new BodyReceiver() {
          int status;

          @Override
          public void head(HttpResponse head, BodyFlow flow) {
            status = head.status().code();
          }

          @Override
          public void content(ByteBuf piece) {
            bytes.addAndGet(piece.readableBytes());
            pieces.incrementAndGet();
            piece.release();
          }

          @Override
          public void end() {
            done.complete(status);
          }

          @Override
          public void failed(UpstreamException failure, boolean headSeen) {
            done.completeExceptionally(failure);
          }
        });
    assertThat(done.join()).isEqualTo(200);
    assertThat(bytes.get()).isEqualTo(2 << 20);
    assertThat(pieces.get()).isGreaterThan(1);
  }

  @Test
  void exchange_head_headOnlyThenEnd() {
    CompletableFuture<String> done = new CompletableFuture<>();
    client.exchange(
        address(),
        HttpMethod.HEAD,
        "/small",
        null,
        Duration.ofSeconds(5),
        new BodyReceiver() {
          String length;

          @Override
          public void head(HttpResponse head, BodyFlow flow) {
            length = head.headers().get("Content-Length");
          }

          @Override
          public void content(ByteBuf piece) {
            piece.release();
            done.completeExceptionally(new AssertionError("a HEAD response has no body"));
          }

          @Override
          public void end() {
            done.complete(length);
          }

          @Override
          public void failed(UpstreamException failure, boolean headSeen) {
            done.completeExceptionally(failure);
          }
        });
    assertThat(done.join()).isEqualTo("100");
    // The connection went back to the pool in step: the next request on it works.
    assertThat(client.get(address(), "/small", null).join().status()).isEqualTo(200);
  }
}
