package io.imgcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.testing.NettyLeakWatch;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edge's HTTP/1.1 over raw sockets: keep-alive, pipelining in order, HTTP/1.0, request limits,
 * slow clients, the connection cap and graceful shutdown.
 */
class EdgeHttpTest {
  @TempDir static Path dir;
  static FakeShard shard;
  static NettyLeakWatch leaks;

  @BeforeAll
  static void start() {
    leaks = new NettyLeakWatch();
    shard = new FakeShard("shard-1");
    shard.objects.put("/a.jpg", EdgeServerTest.bytes(10_000, 1));
    shard.objects.put("/b.jpg", EdgeServerTest.bytes(60_000, 2));
    shard.objects.put("/c.jpg", EdgeServerTest.bytes(100, 3));
  }

  @AfterAll
  static void stop() {
    shard.close();
    assertThat(leaks.leaks()).isEmpty();
    leaks.close();
  }

  static EdgeServer edge(Map<String, String> extra) {
    return Edges.start(dir, List.of(shard), extra);
  }

  @Test
  void keepAlive_sequentialRequestsOnOneConnection_allAnswered() throws Exception {
    try (EdgeServer edge = edge(Map.of());
        RawHttp c = new RawHttp(edge.port())) {
      for (int i = 0; i < 5; i++) {
        RawHttp.Response r = c.send(RawHttp.get("/a.jpg")).read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.body()).isEqualTo(shard.objects.get("/a.jpg"));
        assertThat(r.header("connection")).isNull();
        assertThat(r.header("x-cache")).startsWith(i == 0 ? "edge-1;miss" : "edge-1;hit");
      }
    }
  }

  @Test
  void pipelining_missesAndHitsInOneWrite_answeredInRequestOrder() throws Exception {
    try (EdgeServer edge = edge(Map.of());
        RawHttp c = new RawHttp(edge.port())) {
      c.send(RawHttp.get("/a.jpg")).read(); // /a.jpg is now a hit; /b.jpg and /c.jpg are misses
      CompletableFuture<Void> gate = new CompletableFuture<>();
      shard.gate = gate;
      try {
        c.send(
            RawHttp.get("/b.jpg")
                + RawHttp.get("/a.jpg")
                + "HEAD /c.jpg HTTP/1.1\r\nHost: t\r\n\r\n"
                + RawHttp.get("/a.jpg"));
        gate.complete(null);
      } finally {
        shard.gate = CompletableFuture.completedFuture(null);
      }
      RawHttp.Response r1 = c.read();
      RawHttp.Response r2 = c.read();
      RawHttp.Response r3 = c.read(true);
      RawHttp.Response r4 = c.read();
      assertThat(r1.body()).isEqualTo(shard.objects.get("/b.jpg"));
      assertThat(r1.header("x-cache")).startsWith("edge-1;miss");
      assertThat(r2.body()).isEqualTo(shard.objects.get("/a.jpg"));
      assertThat(r2.header("x-cache")).isEqualTo("edge-1;hit");
      assertThat(r3.status()).isEqualTo(200);
      assertThat(r3.header("content-length")).isEqualTo("100");
      assertThat(r4.body()).isEqualTo(shard.objects.get("/a.jpg"));
      // Still in step after a HEAD whose Content-Length announced a body it did not carry:
      assertThat(c.send(RawHttp.get("/c.jpg")).read().body())
          .isEqualTo(shard.objects.get("/c.jpg"));
    }
  }

  @Test
  void http10_keepAliveAndClose_connectionHeaderSaysWhatHappens() throws Exception {
    try (EdgeServer edge = edge(Map.of());
        RawHttp c = new RawHttp(edge.port())) {
      RawHttp.Response kept =
          c.send("GET /a.jpg HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
      assertThat(kept.header("connection")).isEqualToIgnoringCase("keep-alive");
      RawHttp.Response hit = c.send("GET /a.jpg HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").read();
      assertThat(hit.header("connection")).isEqualToIgnoringCase("keep-alive");
      assertThat(hit.body()).isEqualTo(shard.objects.get("/a.jpg"));
      RawHttp.Response last =
          c.send("GET /a.jpg HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").read();
      assertThat(last.header("connection")).isEqualToIgnoringCase("close");
      assertThat(last.body()).isEqualTo(shard.objects.get("/a.jpg"));
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void limits_longLineBigHeadersBodyAndMethod_414And431And400And405() throws Exception {
    try (EdgeServer edge = edge(Map.of())) {
      try (RawHttp c = new RawHttp(edge.port())) {
        assertThat(c.send(RawHttp.get("/" + "x".repeat(9000))).read().status()).isEqualTo(414);
        assertThat(c.closedByServer()).isTrue();
      }
      try (RawHttp c = new RawHttp(edge.port())) {
        assertThat(c.send(RawHttp.get("/a.jpg", "X-Big: " + "y".repeat(17_000))).read().status())
            .isEqualTo(431);
      }
      try (RawHttp c = new RawHttp(edge.port())) {
        RawHttp.Response r =
            c.send("GET /a.jpg HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello").read();
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.header("connection")).isEqualToIgnoringCase("close");
        assertThat(c.closedByServer()).isTrue();
      }
      try (RawHttp c = new RawHttp(edge.port())) {
        assertThat(c.send("DELETE /a.jpg HTTP/1.1\r\nHost: t\r\n\r\n").read().status())
            .isEqualTo(405);
        assertThat(c.send(RawHttp.get("/a.jpg")).read().status()).as("still usable").isEqualTo(200);
      }
    }
  }

  @Test
  void requestLine_versionsHostsAndHeaderCount_refusedAsRfc9112Says() throws Exception {
    Map<String, Integer> cases = new java.util.LinkedHashMap<>();
    cases.put("GET /a.jpg HTTP/2.0\r\nHost: t\r\n\r\n", 505);
    cases.put("GET /a.jpg HTTP/0.9\r\nHost: t\r\n\r\n", 505);
    cases.put("GET /a.jpg http/1.1\r\nHost: t\r\n\r\n", 400);
    cases.put("GET /a.jpg FOO/1.1\r\nHost: t\r\n\r\n", 400);
    cases.put("GET /a.jpg HTTP/1.1\r\n\r\n", 400);
    cases.put("GET /a.jpg HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
    cases.put("GET /a.jpg HTTP/1.1\r\nHost: a b\r\n\r\n", 400);
    cases.put("GET /a.jpg HTTP/1.1\r\nHost: t\r\n" + "X-N: v\r\n".repeat(150) + "\r\n", 431);
    cases.put("GET /a.jpg HTTP/1.0\r\n\r\n", 200);
    try (EdgeServer edge = edge(Map.of())) {
      for (Map.Entry<String, Integer> e : cases.entrySet()) {
        try (RawHttp c = new RawHttp(edge.port())) {
          assertThat(c.send(e.getKey()).read().status()).as(e.getKey()).isEqualTo(e.getValue());
        }
      }
      try (RawHttp c = new RawHttp(edge.port())) {
        RawHttp.Response r = c.send("get /a.jpg HTTP/1.1\r\nHost: t\r\n\r\n").read();
        assertThat(r.status()).isEqualTo(405);
        assertThat(r.header("allow")).isEqualTo("GET, HEAD, OPTIONS");
      }
    }
  }

  @Test
  void slowClient_headDribbledPastTheRequestTimeout_connectionClosed() throws Exception {
    try (EdgeServer edge = edge(Map.of("server.request-timeout", "300ms"));
        RawHttp c = new RawHttp(edge.port())) {
      // A complete request first: the timeout is per request head, not per connection.
      assertThat(c.send(RawHttp.get("/c.jpg")).read().status()).isEqualTo(200);
      long start = System.nanoTime();
      c.send("GET /a.jpg HTTP/1.1\r\n");
      c.send("Host: t\r\n"); // never finished
      assertThat(c.closedByServer()).isTrue();
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(millis).isBetween(250L, 5_000L);
    }
  }

  @Test
  void idleKeepAliveConnection_closedAfterTheIdleTimeout() throws Exception {
    try (EdgeServer edge = edge(Map.of("server.idle-timeout", "400ms"));
        RawHttp c = new RawHttp(edge.port())) {
      assertThat(c.send(RawHttp.get("/c.jpg")).read().status()).isEqualTo(200);
      long start = System.nanoTime();
      assertThat(c.closedByServer()).isTrue();
      assertThat((System.nanoTime() - start) / 1_000_000).isBetween(300L, 5_000L);
    }
  }

  @Test
  void connectionCap_reached_extraConnectionGets503AndClose() throws Exception {
    try (EdgeServer edge = edge(Map.of("server.max-connections", "2"));
        RawHttp a = new RawHttp(edge.port());
        RawHttp b = new RawHttp(edge.port())) {
      assertThat(a.send(RawHttp.get("/c.jpg")).read().status()).isEqualTo(200);
      assertThat(b.send(RawHttp.get("/c.jpg")).read().status()).isEqualTo(200);
      try (RawHttp extra = new RawHttp(edge.port())) {
        RawHttp.Response refused = extra.read();
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.header("retry-after")).isEqualTo("1");
        assertThat(extra.closedByServer()).isTrue();
      }
      assertThat(edge.serving().connections().refused()).isEqualTo(1);
      a.close();
      // Once a slot frees up, new connections are served again.
      while (edge.serving().connections().open() > 1) {
        Thread.onSpinWait();
      }
      try (RawHttp again = new RawHttp(edge.port())) {
        assertThat(again.send(RawHttp.get("/c.jpg")).read().status()).isEqualTo(200);
      }
    }
  }

  @Test
  void gracefulShutdown_inFlightRequestFinishesIdleConnectionClosed() throws Exception {
    shard.objects.put("/slow.jpg", EdgeServerTest.bytes(30_000, 9));
    EdgeServer edge = edge(Map.of());
    try (RawHttp busy = new RawHttp(edge.port());
        RawHttp idle = new RawHttp(edge.port())) {
      assertThat(idle.send(RawHttp.get("/c.jpg")).read().status()).isEqualTo(200);
      CompletableFuture<Void> gate = new CompletableFuture<>();
      shard.gate = gate;
      busy.send(RawHttp.get("/slow.jpg"));
      while (shard.requests("/slow.jpg") == 0) {
        Thread.onSpinWait();
      }
      Thread closer = Thread.ofPlatform().start(edge::close);
      assertThat(idle.closedByServer())
          .as("an idle keep-alive connection is closed at once")
          .isTrue();
      while (!edge.serving().connections().drainAnnounced()) {
        Thread.onSpinWait();
      }
      shard.gate = CompletableFuture.completedFuture(null);
      gate.complete(null);
      RawHttp.Response r = busy.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.body()).isEqualTo(shard.objects.get("/slow.jpg"));
      assertThat(r.header("connection")).isEqualToIgnoringCase("close");
      assertThat(busy.closedByServer()).isTrue();
      closer.join();
      assertThat(edge.cache().liveBuffers()).isZero();
    } finally {
      shard.gate = CompletableFuture.completedFuture(null);
      edge.close();
    }
  }

  @Test
  void manyPipelinedHits_clientReadsLate_allArriveIntact() throws Exception {
    try (EdgeServer edge = edge(Map.of());
        RawHttp c = new RawHttp(edge.port())) {
      c.send(RawHttp.get("/b.jpg")).read();
      StringBuilder burst = new StringBuilder();
      for (int i = 0; i < 200; i++) {
        burst.append(RawHttp.get("/b.jpg"));
      }
      c.send(burst.toString()); // 200 x 60 KB = 12 MB answered while we do not read
      for (int i = 0; i < 200; i++) {
        RawHttp.Response r = c.read();
        assertThat(Arrays.equals(r.body(), shard.objects.get("/b.jpg"))).isTrue();
      }
    }
  }
}
