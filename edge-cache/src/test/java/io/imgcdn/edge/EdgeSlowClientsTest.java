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
 * cannot exhaust the edge's memory: every relay stops reading from the shard once its client's
 * buffers are full, so what the edge holds is a few pieces per relay, not the pictures.
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
    picture =
        io.netty.buffer.Unpooled.directBuffer(PICTURE)
            .writeBytes(EdgeServerTest.bytes(PICTURE, 41));
    for (int i = 0; i < CLIENTS; i++) {
      shard.directObjects.put(
          "/slow/" + i + ".jpg", picture); // one buffer behind every path, as stored bodies
    }
    // Enough upstream connections for every relay at once (the default, 64 per shard, would queue
    // the rest),
    // and no releasing: this test measures relays paused on their connections
    // (EdgeStreamReleaseTest the
    // release, which would close them after 5 s of stalling).
    edge =
        Edges.start(
            dir,
            List.of(shard),
            Map.of(
                "edge.cache.max-object-bytes",
                "4m",
                "edge.upstream.max-connections",
                String.valueOf(CLIENTS + 8),
                "edge.stream.release-after",
                "off"));
  }

  @AfterAll
  static void stop() {
    Edges.stopClean(edge, shard, leaks);
    picture.release();
  }

  /**
   * The kernel's largest autotuned TCP send buffer (tcp_wmem's third field); 4 MB when it cannot be
   * read.
   */
  static long sendBufferMax() {
    try {
      String[] fields =
          java.nio.file.Files.readString(Path.of("/proc/sys/net/ipv4/tcp_wmem"))
              .trim()
              .split("\\s+");
      return Long.parseLong(fields[2]);
    } catch (java.io.IOException | RuntimeException e) {
      return 4L << 20;
    }
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
      // Every fetch answered as a relay, all 100 relays open (none ended: a relay that read its
      // whole picture
      // into its client's queue, as some did before the queue bound, ends and leaves this count for
      // good),
      // and every one paused by its client. A relay is counted streamed and open on the same
      // upstream loop
      // task, so a look between the two only delays the condition. Long timeout: 100 relays on 2
      // busy cores.
      try {
        EdgeStreamingTest.await(
            "every relay open and paused by its client",
            java.time.Duration.ofSeconds(60),
            () ->
                edge.tier().stats().streamed() - streamedBefore == CLIENTS
                    && edge.tier().stats().openStreams() == CLIENTS
                    && edge.tier().stats().pausedStreams() == CLIENTS);
      } catch (AssertionError e) {
        throw new AssertionError(
            e.getMessage()
                + ": open "
                + edge.tier().stats().openStreams()
                + ", paused "
                + edge.tier().stats().pausedStreams()
                + ", shard requests "
                + shard.totalRequests()
                + ", attempts "
                + edge.tier().stats().attempts()
                + ", in flight "
                + edge.tier().inFlight()
                + ", streamed "
                + edge.tier().stats().streamed()
                + ", aborted "
                + edge.tier().stats().streamAborts()
                + ", cancelled "
                + edge.tier().stats().streamCancels(),
            e);
      }
      long pulled = edge.tier().stats().streamedBytes() - pulledBefore;
      long direct = PlatformDependent.usedDirectMemory() - directBefore;
      int open = edge.tier().stats().openStreams();
      assertThat(edge.tier().stats().streamAborts() + edge.tier().stats().streamCancels())
          .as("relays cut or cancelled while every client stayed")
          .isZero();
      System.out.printf(
          "%d of %d relays of %d MB pictures open and paused (%d streamed, %d fetch attempts, %d"
              + " aborted, %d cancelled): %.1f MB read from the shard (%.2f MB per relay, most of"
              + " it in the kernel's socket buffers toward the clients), %.1f MB of direct memory"
              + " held in this JVM%n",
          open,
          CLIENTS,
          PICTURE >> 20,
          edge.tier().stats().streamed(),
          edge.tier().stats().attempts(),
          edge.tier().stats().streamAborts(),
          edge.tier().stats().streamCancels(),
          pulled / 1e6,
          pulled / 1e6 / open,
          direct / 1e6);
      // Pulled from the shard: what fills each client socket's kernel send buffer (autotuned, up to
      // net.ipv4.tcp_wmem's maximum, 4 MB here) plus the relay's queue (at most 256 KB), the
      // socket's write
      // buffer (64 KB) and a read; 350-400 MB measured, far from the 1.5 GB of the pictures.
      assertThat(pulled)
          .as("bytes read from the shard by %d paused relays", CLIENTS)
          .isLessThan(CLIENTS * Math.min(PICTURE / 2, sendBufferMax() + (2L << 20)));
      // Held by Netty in this JVM (edge and test shard together): 29-34 MB measured with the queue
      // bound,
      // 66-151 MB before it (relays that had read a whole picture into a queue), against 15 MB per
      // picture.
      assertThat(direct)
          .as("direct memory held while %d relays are paused", CLIENTS)
          .isLessThan(96L << 20);
    } finally {
      for (RawHttp c : clients) {
        c.close();
      }
    }
    EdgeStreamingTest.await(
        "every relay cancelled once its client left",
        java.time.Duration.ofSeconds(60),
        () -> edge.tier().stats().openStreams() == 0);
  }
}
