package io.imgcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.testing.NettyLeakWatch;
import io.netty.util.internal.PlatformDependent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The case: 100 slow clients of 15 MB pictures (each a different one, so nothing coalesces)
 * cannot exhaust the edge's memory: every relay stops reading from the shard once its client's buffers
 * are full, so what the edge holds is a few pieces per relay, not the pictures.
 */
class EdgeSlowClientsTest {
  static final int CLIENTS = 100;
  static final int PICTURE = 15 * 1024 * 1024;
  @TempDir static Path dir;
  static FakeShard shard;
  static EdgeServer edge;
  static NettyLeakWatch leaks;
  static io.netty.buffer.ByteBuf picture;

  @BeforeAll
  static void start() {
    leaks = new NettyLeakWatch();
    shard = new FakeShard("shard-1");
    picture = io.netty.buffer.Unpooled.directBuffer(PICTURE).writeBytes(EdgeServerTest.bytes(PICTURE, 41));
    for (int i = 0; i < CLIENTS; i++) {
      shard.directObjects.put("/slow/" + i + ".jpg", picture); // one buffer behind every path, as stored bodies
    }
    // Enough upstream connections for every relay at once (the default, 64 per shard, would queue the rest).
    edge = Edges.start(dir, List.of(shard), Map.of("edge.cache.max-object-bytes", "4m",
        "edge.upstream.max-connections", String.valueOf(CLIENTS + 8)));
  }

  @AfterAll
  static void stop() {
    Edges.stopClean(edge, shard, leaks);
    picture.release();
  }

  @Test
  void hundredClientsReadingNothing_15MbPictures_relaysPausedMemoryBounded() throws Exception {
    long directBefore = PlatformDependent.usedDirectMemory();
    long pulledBefore = edge.tier().stats().streamedBytes();
    long streamedBefore = edge.tier().stats().streamed();
    List<RawHttp> clients = new ArrayList<>();
    try {
      for (int i = 0; i < CLIENTS; i++) {
        RawHttp c = new RawHttp(edge.port(), 16 * 1024);
        clients.add(c);
        c.send(RawHttp.get("/slow/" + i + ".jpg"));
      }
      // Every fetch answered as a relay, and every open relay paused by its client. (In about one run of the
      // whole suite in ten, one or two of the 100 relays ended early, not accounted for by the abort and
      // cancel counts: cause not found, see docs/EDGE.md. The bound below is about the relays that are open.)
      try {
        EdgeStreamingTest.await("every relay open and paused by its client",
            () -> edge.tier().stats().streamed() - streamedBefore >= CLIENTS
                && edge.tier().stats().openStreams() >= CLIENTS - 5
                && edge.tier().stats().pausedStreams() == edge.tier().stats().openStreams());
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + ": open " + edge.tier().stats().openStreams() + ", paused "
            + edge.tier().stats().pausedStreams() + ", shard requests " + shard.totalRequests() + ", attempts "
            + edge.tier().stats().attempts() + ", in flight " + edge.tier().inFlight() + ", streamed "
            + edge.tier().stats().streamed() + ", aborted " + edge.tier().stats().streamAborts() + ", cancelled "
            + edge.tier().stats().streamCancels(), e);
      }
      long pulled = edge.tier().stats().streamedBytes() - pulledBefore;
      long direct = PlatformDependent.usedDirectMemory() - directBefore;
      int open = edge.tier().stats().openStreams();
      System.out.printf("%d of %d relays of %d MB pictures open and paused (%d streamed, %d fetch attempts, %d aborted,"
          + " %d cancelled): %.1f MB"
          + " read from the shard (%.2f MB per relay, most of it in the kernel's socket buffers toward the clients),"
          + " %.1f MB of direct memory held in this JVM%n", open, CLIENTS, PICTURE >> 20,
          edge.tier().stats().streamed(), edge.tier().stats().attempts(), edge.tier().stats().streamAborts(),
          edge.tier().stats().streamCancels(), pulled / 1e6, pulled / 1e6 / open,
          direct / 1e6);
      // Pulled from the shard: what fills each client socket's kernel send buffer (autotuned, up to
      // net.ipv4.tcp_wmem's maximum) plus a piece or two per relay; far from the 1.5 GB of the pictures.
      assertThat(pulled).as("bytes read from the shard by %d paused relays", CLIENTS)
          .isLessThan((long) CLIENTS * PICTURE / 2);
      // Held by Netty in this JVM (edge and test shard together): 75-102 MB measured, about 1 MB per relay
      // (pieces in flight, pooled chunks), against 15 MB per picture.
      assertThat(direct).as("direct memory held while %d relays are paused", CLIENTS).isLessThan(256L << 20);
    } finally {
      for (RawHttp c : clients) {
        c.close();
      }
    }
    EdgeStreamingTest.await("every relay cancelled once its client left", () -> edge.tier().stats().openStreams() == 0);
  }
}
