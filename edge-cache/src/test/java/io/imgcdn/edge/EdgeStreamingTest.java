package io.imgcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.testing.NettyLeakWatch;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Objects above edge.cache.max-object-bytes: relayed from the shard as the client drains them, to
 * all coalesced waiters at once, never stored; the shard connection paused while a client does not
 * read.
 */
class EdgeStreamingTest {
  static final int BIG = 24 * 1024 * 1024;
  @TempDir static Path dir;
  static FakeShard shard;
  static EdgeServer edge;
  static NettyLeakWatch leaks;
  static byte[] big;

  @BeforeAll
  static void start() {
    leaks = new NettyLeakWatch();
    shard = new FakeShard("shard-1");
    big = EdgeServerTest.bytes(BIG, 11);
    shard.objects.put("/big.jpg", big);
    edge = Edges.start(dir, List.of(shard), Map.of("edge.cache.max-object-bytes", "1m"));
  }

  @AfterAll
  static void stop() {
    Edges.stopClean(edge, shard, leaks);
  }

  static void await(String what, BooleanSupplier condition) {
    await(what, java.time.Duration.ofSeconds(10), condition);
  }

  static void await(String what, java.time.Duration timeout, BooleanSupplier condition) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for: " + what);
      }
      Thread.onSpinWait();
    }
  }

  @Test
  void slowClient_largeObject_shardReadOnlyAsFastAsTheClientDrains() throws Exception {
    long before = edge.tier().stats().streamedBytes();
    try (RawHttp c = new RawHttp(edge.port(), 64 * 1024)) {
      c.send(RawHttp.get("/big.jpg"));
      // The client reads nothing: the relay must pause once the socket buffers are full, and stay
      // paused.
      await(
          "relay paused by the slow client",
          () ->
              edge.tier().stats().pausedStreams() == 1
                  && edge.tier().stats().streamedBytes() > before);
      long pulled = edge.tier().stats().streamedBytes() - before;
      assertThat(pulled)
          .as("bytes read from the shard while the client read none")
          .isLessThan(BIG / 2);
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("x-cache")).isEqualTo("edge-1;miss, shard-1;hit");
      assertThat(Arrays.equals(r.body(), big)).isTrue();
    }
    await("relay closed", () -> edge.tier().stats().openStreams() == 0);
    assertThat(edge.cache().acquire("/big.jpg")).as("never stored").isNull();
  }

  @Test
  void coalescedWaiters_largeObject_allReceiveItFromOneShardRequest() throws Exception {
    int before = shard.requests("/big.jpg");
    CompletableFuture<Void> gate = new CompletableFuture<>();
    shard.gate = gate;
    try (RawHttp a = new RawHttp(edge.port());
        RawHttp b = new RawHttp(edge.port());
        RawHttp c = new RawHttp(edge.port())) {
      a.send(RawHttp.get("/big.jpg"));
      b.send(RawHttp.get("/big.jpg"));
      c.send(RawHttp.get("/big.jpg", "Range: bytes=1000-1999"));
      await("one shard request", () -> shard.requests("/big.jpg") == before + 1);
      shard.gate = CompletableFuture.completedFuture(null);
      gate.complete(null);
      // Read all three at once: the relay goes at the pace of the slowest reader.
      CompletableFuture<RawHttp.Response> fa = readAsync(a);
      CompletableFuture<RawHttp.Response> fb = readAsync(b);
      RawHttp.Response rc = c.read();
      RawHttp.Response ra = fa.join();
      RawHttp.Response rb = fb.join();
      assertThat(Arrays.equals(ra.body(), big)).isTrue();
      assertThat(Arrays.equals(rb.body(), big)).isTrue();
      assertThat(rc.status()).isEqualTo(206);
      assertThat(rc.body()).isEqualTo(Arrays.copyOfRange(big, 1000, 2000));
      assertThat(List.of(ra.header("x-cache"), rb.header("x-cache"), rc.header("x-cache")))
          .filteredOn(v -> v.startsWith("edge-1;miss"))
          .hasSize(1);
    } finally {
      shard.gate = CompletableFuture.completedFuture(null);
    }
    assertThat(shard.requests("/big.jpg")).isEqualTo(before + 1);
  }

  /** Reads on a thread of its own (the common pool may have a single thread on a small machine). */
  static CompletableFuture<RawHttp.Response> readAsync(RawHttp c) {
    CompletableFuture<RawHttp.Response> result = new CompletableFuture<>();
    Thread.ofPlatform()
        .start(
            () -> {
              try {
                result.complete(c.read());
              } catch (Throwable e) {
                result.completeExceptionally(e);
              }
            });
    return result;
  }

  @Test
  void headRangeAndConditional_largeObject_answeredWithoutTheWholeBody() throws Exception {
    try (RawHttp c = new RawHttp(edge.port())) {
      RawHttp.Response head = c.send("HEAD /big.jpg HTTP/1.1\r\nHost: t\r\n\r\n").read(true);
      assertThat(head.status()).isEqualTo(200);
      assertThat(head.header("content-length")).isEqualTo(String.valueOf(BIG));
      RawHttp.Response tail = c.send(RawHttp.get("/big.jpg", "Range: bytes=-100")).read();
      assertThat(tail.status()).isEqualTo(206);
      assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(big, BIG - 100, BIG));
      RawHttp.Response etagged = c.send(RawHttp.get("/big.jpg", "Range: bytes=0-9")).read();
      RawHttp.Response notModified =
          c.send(RawHttp.get("/big.jpg", "If-None-Match: " + etagged.header("etag"))).read();
      assertThat(notModified.status()).isEqualTo(304);
      assertThat(c.send(RawHttp.get("/big.jpg", "Range: bytes=" + BIG + "-")).read().status())
          .isEqualTo(416);
      assertThat(etagged.header("last-modified")).isEqualTo(FakeShard.LAST_MODIFIED);
      RawHttp.Response notModifiedSince =
          c.send(RawHttp.get("/big.jpg", "If-Modified-Since: " + FakeShard.LAST_MODIFIED)).read();
      assertThat(notModifiedSince.status()).isEqualTo(304);
      RawHttp.Response failed =
          c.send(RawHttp.get("/big.jpg", "If-Match: \"other\"", "Range: bytes=0-9")).read();
      assertThat(failed.status()).isEqualTo(412);
      assertThat(new String(failed.body(), java.nio.charset.StandardCharsets.US_ASCII))
          .isEqualTo("precondition failed: If-Match\n");
      RawHttp.Response byDate =
          c.send(
                  RawHttp.get(
                      "/big.jpg", "Range: bytes=100-199", "If-Range: " + FakeShard.LAST_MODIFIED))
              .read();
      assertThat(byDate.status()).isEqualTo(206);
      assertThat(byDate.body()).isEqualTo(Arrays.copyOfRange(big, 100, 200));
    }
    await("every relay closed or cancelled", () -> edge.tier().stats().openStreams() == 0);
  }

  @Test
  void clientGoneMidStream_shardRequestCancelled() throws Exception {
    try (RawHttp c = new RawHttp(edge.port(), 64 * 1024)) {
      c.send(RawHttp.get("/big.jpg"));
      await(
          "relay started",
          () -> edge.tier().stats().openStreams() == 1 && edge.tier().stats().streamedBytes() > 0);
    }
    await(
        "relay cancelled once its only client left", () -> edge.tier().stats().openStreams() == 0);
    await(
        "no request in flight to the shard",
        () ->
            edge.router().inFlight(new io.imgcdn.hashring.Node("shard-1", shard.address(), 1))
                == 0);
  }
}
