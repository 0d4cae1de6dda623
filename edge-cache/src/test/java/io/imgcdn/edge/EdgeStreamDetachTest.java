package io.imgcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.testing.NettyLeakWatch;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A relayed (large) object with a client that does not read: after edge.stream.detach-after it gets
 * a shard request of its own for the rest, so the other clients of the relay are not held back by
 * it.
 */
class EdgeStreamDetachTest {
  static final int BIG = 24 * 1024 * 1024;
  @TempDir static Path dir;
  static FakeShard shard;
  static EdgeServer edge;
  static NettyLeakWatch leaks;

  @BeforeAll
  static void start() {
    leaks = new NettyLeakWatch();
    shard = new FakeShard("shard-1");
    edge =
        Edges.start(
            dir,
            List.of(shard),
            Map.of("edge.cache.max-object-bytes", "1m", "edge.stream.detach-after", "200ms"));
  }

  @AfterAll
  static void stop() {
    Edges.stopClean(edge, shard, leaks);
  }

  /** Both clients' requests wait at the shard until both are coalesced onto one relay. */
  private static void coalesce(String path, RawHttp slow, RawHttp fast) throws Exception {
    int before = shard.requests(path);
    CompletableFuture<Void> gate = new CompletableFuture<>();
    shard.gate = gate;
    try {
      slow.send(RawHttp.get(path));
      EdgeStreamingTest.await(
          "the first request at the shard", () -> shard.requests(path) == before + 1);
      fast.send(RawHttp.get(path));
      EdgeStreamingTest.await(
          "the second request joined the first", () -> edge.tier().waiting() == 2);
    } finally {
      shard.gate = CompletableFuture.completedFuture(null);
      gate.complete(null);
    }
  }

  /**
   * Puts {@code body} on the shard at {@code path}, coalesces both clients onto its relay and reads
   * it all with {@code fast} while {@code slow} reads nothing: possible only once {@code slow} is
   * detached.
   */
  private static void fastClientGetsAll(String path, byte[] body, RawHttp slow, RawHttp fast)
      throws Exception {
    shard.objects.put(path, body);
    long detachedBefore = edge.tier().stats().detached();
    coalesce(path, slow, fast);
    RawHttp.Response f = EdgeStreamingTest.readAsync(fast).get(60, TimeUnit.SECONDS);
    assertThat(f.status()).isEqualTo(200);
    assertThat(Arrays.equals(f.body(), body))
        .as("the reading client got all of it, the other read nothing")
        .isTrue();
    assertThat(edge.tier().stats().detached()).isEqualTo(detachedBefore + 1);
  }

  @Test
  void clientThatDoesNotRead_detachedOntoARangeRequest_othersGetTheWholeObject() throws Exception {
    byte[] big = EdgeServerTest.bytes(BIG, 21);
    try (RawHttp slow = new RawHttp(edge.port(), 64 * 1024);
        RawHttp fast = new RawHttp(edge.port())) {
      fastClientGetsAll("/detach.jpg", big, slow, fast);

      RawHttp.Response s = slow.read();
      assertThat(s.status()).isEqualTo(200);
      assertThat(s.body().length).isEqualTo(BIG);
      assertThat(Arrays.equals(s.body(), big))
          .as("the detached client's bytes, spliced at the hand-over")
          .isTrue();
    }
    assertThat(shard.requests("/detach.jpg"))
        .as("one relay, then one request for the rest")
        .isEqualTo(2);
    assertThat(shard.ranges).anyMatch(r -> r.matches("bytes=[1-9][0-9]*-" + (BIG - 1)));
    EdgeStreamingTest.await("every relay closed", () -> edge.tier().stats().openStreams() == 0);
  }

  @Test
  void objectChangedBeforeTheRestIsFetched_detachedResponseCutNotSpliced() throws Exception {
    byte[] first = EdgeServerTest.bytes(BIG, 31);
    try (RawHttp slow = new RawHttp(edge.port(), 64 * 1024);
        RawHttp fast = new RawHttp(edge.port())) {
      fastClientGetsAll("/changed.jpg", first, slow, fast);
      shard.objects.put(
          "/changed.jpg", EdgeServerTest.bytes(BIG, 32)); // new ETag: If-Range gets a 200

      RawHttp.Response s = slow.read();
      assertThat(s.status()).isEqualTo(200);
      assertThat(s.body().length).as("cut short rather than mixing two versions").isLessThan(BIG);
      assertThat(Arrays.equals(s.body(), Arrays.copyOf(first, s.body().length))).isTrue();
      assertThat(slow.closedByServer()).isTrue();
    }
    EdgeStreamingTest.await("every relay closed", () -> edge.tier().stats().openStreams() == 0);
  }
}
