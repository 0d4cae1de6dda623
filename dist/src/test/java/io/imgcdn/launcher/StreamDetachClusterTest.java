package io.imgcdn.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.launcher.badinput.RawHttp;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large original through real tiers (edge, shard on RocksDB, origin, embedded S3): two clients of one
 * relayed object, one of which reads nothing; the edge detaches it onto a Range request (with If-Range)
 * that the real shard must answer with the exact 206, so both clients end with every byte.
 */
class StreamDetachClusterTest {
  static final int SIZE = 12 * 1024 * 1024;
  @TempDir static Path dir;
  static LocalCluster cluster;
  static byte[] large;

  @BeforeAll
  static void start() throws Exception {
    cluster = LocalCluster.start(new LocalCluster.Layout(dir, 0, 0, 0, 1, 0, 0, 64L << 20, 256L << 20,
        Demo.SIGNING_KEY, Map.of("edge.stream.detach-after", "200ms")));
    // A real JPEG followed by random bytes (decoders stop at the end-of-image marker): an original of 12 MB,
    // above the edge's 4 MB object bound, so it is relayed, never kept in the edge's memory.
    byte[] jpeg = ClusterEndToEndTest.jpeg(64, 64);
    large = Arrays.copyOf(jpeg, SIZE);
    byte[] tail = new byte[SIZE - jpeg.length];
    new SplittableRandom(5).nextBytes(tail);
    System.arraycopy(tail, 0, large, jpeg.length, tail.length);
    cluster.s3().put("photos/large.jpg", large, "image/jpeg");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void stalledClientOfARelay_detachedOntoTheShardsRange_bothGetEveryByte() throws Exception {
    URI edge = URI.create(cluster.edgeUrl());
    long detachedBefore = cluster.edge().tier().stats().detached();
    try (Socket stalled = connect(edge, 64 * 1024); Socket reading = connect(edge, 0)) {
      send(stalled, "/photos/large.jpg");
      send(reading, "/photos/large.jpg");
      // Both join one fetch: a miss all the way to S3 (the origin reads the 12 MB original before it answers)
      // takes far longer than the second request's trip; the detach count below proves they did.
      CompletableFuture<RawHttp.Response> fast = new CompletableFuture<>();
      Thread.ofPlatform().start(() -> {
        try {
          fast.complete(RawHttp.read(reading.getInputStream(), false));
        } catch (Throwable e) {
          fast.completeExceptionally(e);
        }
      });
      RawHttp.Response r = fast.get(60, TimeUnit.SECONDS);
      assertThat(r.status()).isEqualTo(200);
      assertThat(Arrays.equals(r.body(), large)).isTrue();

      RawHttp.Response s = RawHttp.read(stalled.getInputStream(), false);
      assertThat(s.status()).isEqualTo(200);
      assertThat(s.body().length).isEqualTo(SIZE);
      assertThat(Arrays.equals(s.body(), large)).as("spliced at the hand-over without a gap or overlap").isTrue();
    }
    assertThat(cluster.edge().tier().stats().detached()).isEqualTo(detachedBefore + 1);
    assertThat(cluster.edge().tier().stats().openStreams()).isZero();
  }

  static Socket connect(URI base, int receiveBuffer) throws IOException {
    Socket s = new Socket();
    if (receiveBuffer > 0) {
      s.setReceiveBufferSize(receiveBuffer);
    }
    s.connect(new InetSocketAddress(base.getHost(), base.getPort()));
    s.setSoTimeout(30_000);
    return s;
  }

  static void send(Socket s, String path) throws IOException {
    s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
  }
}
