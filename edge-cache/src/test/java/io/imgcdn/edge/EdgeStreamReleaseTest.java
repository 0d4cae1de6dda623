package io.imgcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.testing.NettyLeakWatch;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Relays whose clients all stop reading let go of their shard connections after
 * edge.stream.release-after, so stalled clients of large objects cannot take every pooled
 * connection to a shard; each client gets the rest through a Range request once it reads again.
 */
class EdgeStreamReleaseTest {
  static final int BIG = 24 * 1024 * 1024;
  @TempDir static Path dir;
  static FakeShard shard;
  static EdgeServer edge;
  static NettyLeakWatch leaks;

  @BeforeAll
  static void start() {
    leaks = new NettyLeakWatch();
    shard = new FakeShard("shard-1");
    // Two connections to the shard in all: two stalled relays would hold both.
    edge =
        Edges.start(
            dir,
            List.of(shard),
            Map.of(
                "edge.cache.max-object-bytes",
                "1m",
                "edge.stream.release-after",
                "300ms",
                "edge.upstream.max-connections",
                "2"));
  }

  @AfterAll
  static void stop() {
    Edges.stopClean(edge, shard, leaks);
  }

  @Test
  void
      everyClientStalled_relaysReleaseTheirConnections_otherMissesServed_stalledClientsGetEveryByteLater()
          throws Exception {
    byte[] first = EdgeServerTest.bytes(BIG, 41);
    byte[] second = EdgeServerTest.bytes(BIG, 42);
    byte[] small = EdgeServerTest.bytes(10_000, 43);
    shard.objects.put("/release/1.jpg", first);
    shard.objects.put("/release/2.jpg", second);
    shard.objects.put("/release/small.jpg", small);
    try (RawHttp a = new RawHttp(edge.port(), 64 * 1024);
        RawHttp b = new RawHttp(edge.port(), 64 * 1024);
        RawHttp c = new RawHttp(edge.port())) {
      a.send(RawHttp.get("/release/1.jpg"));
      b.send(RawHttp.get("/release/2.jpg"));
      EdgeStreamingTest.await("both relays released", () -> edge.tier().stats().released() == 2);
      EdgeStreamingTest.await("both relays closed", () -> edge.tier().stats().openStreams() == 0);

      c.send(RawHttp.get("/release/small.jpg"));
      RawHttp.Response other = c.read();
      assertThat(other.status())
          .as("a miss for another object while both clients stall")
          .isEqualTo(200);
      assertThat(other.body()).isEqualTo(small);

      RawHttp.Response ra = a.read();
      RawHttp.Response rb = b.read();
      assertThat(ra.status()).isEqualTo(200);
      assertThat(Arrays.equals(ra.body(), first))
          .as("the first client's bytes, spliced at the release")
          .isTrue();
      assertThat(Arrays.equals(rb.body(), second)).as("the second client's bytes").isTrue();
    }
    assertThat(shard.ranges).anyMatch(r -> r.matches("bytes=[1-9][0-9]*-" + (BIG - 1)));
    EdgeStreamingTest.await("every relay closed", () -> edge.tier().stats().openStreams() == 0);
  }

  @Test
  void restAfterARelease_shardThatSentItFails_nextCandidateSendsTheRest() throws Exception {
    byte[] picture = EdgeServerTest.bytes(BIG, 44);
    String path = "/release/failover.jpg";
    try (FakeShard a = new FakeShard("shard-a");
        FakeShard b = new FakeShard("shard-b")) {
      a.objects.put(path, picture); // the same bytes, so the same ETag on both
      b.objects.put(path, picture);
      EdgeServer two =
          Edges.start(
              dir,
              List.of(a, b),
              Map.of("edge.cache.max-object-bytes", "1m", "edge.stream.release-after", "300ms"));
      try (RawHttp client = new RawHttp(two.port(), 64 * 1024)) {
        client.send(RawHttp.get(path));
        EdgeStreamingTest.await("the relay released", () -> two.tier().stats().released() == 1);
        FakeShard sender = a.requests(path) == 1 ? a : b;
        FakeShard other = sender == a ? b : a;
        sender.failWith = 503; // the shard that sent the relay now fails

        RawHttp.Response r = client.read();
        assertThat(r.status()).isEqualTo(200);
        assertThat(Arrays.equals(r.body(), picture))
            .as("every byte, the rest from the other shard")
            .isTrue();
        assertThat(sender.requests(path))
            .as("the relay, then the refused rest request")
            .isEqualTo(2);
        assertThat(other.ranges).anyMatch(range -> range.matches("bytes=[1-9][0-9]*-" + (BIG - 1)));
      } finally {
        two.close();
      }
      EdgeStreamingTest.await("every relay closed", () -> two.tier().stats().openStreams() == 0);
    }
  }
}
