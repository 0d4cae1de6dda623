package io.imgcdn.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.url.ImageUrl;
import io.imgcdn.launcher.badinput.RawHttp;
import io.imgcdn.shard.http.ShardTier;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
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
 * A large original through real tiers (edge, shard on RocksDB, origin, embedded S3): two clients of
 * one relayed object, one of which reads nothing; the edge detaches it onto a Range request (with
 * If-Range) that the real shard must answer with the exact 206, so both clients end with every
 * byte.
 */
class StreamDetachClusterTest {
  static final int SIZE = 12 * 1024 * 1024;
  @TempDir static Path dir;
  static LocalCluster cluster;
  static byte[] large;

  @BeforeAll
  static void start() throws Exception {
    // A 512 MiB store keeps values up to 16 MiB: the 12 MB originals are stored and sent chunk by
    // chunk.
    cluster =
        LocalCluster.start(
            new LocalCluster.Layout(
                dir,
                0,
                0,
                0,
                1,
                0,
                0,
                64L << 20,
                512L << 20,
                Demo.SIGNING_KEY,
                Map.of("edge.stream.detach-after", "200ms", "edge.stream.release-after", "500ms")));
    // A real JPEG followed by random bytes (decoders stop at the end-of-image marker): an original
    // of 12 MB,
    // above the edge's 4 MB object bound, so it is relayed, never kept in the edge's memory.
    large = original(5);
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
    try (Socket stalled = connect(edge, 64 * 1024);
        Socket reading = connect(edge, 0)) {
      send(stalled, "/photos/large.jpg");
      send(reading, "/photos/large.jpg");
      // Both join one fetch: a miss all the way to S3 (the origin reads the 12 MB original before
      // it answers)
      // takes far longer than the second request's trip; the detach count below proves they did.
      CompletableFuture<RawHttp.Response> fast = new CompletableFuture<>();
      Thread.ofPlatform()
          .start(
              () -> {
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
      assertThat(Arrays.equals(s.body(), large))
          .as("spliced at the hand-over without a gap or overlap")
          .isTrue();
    }
    assertThat(cluster.edge().tier().stats().detached()).isEqualTo(detachedBefore + 1);
    assertThat(cluster.edge().tier().stats().openStreams()).isZero();
  }

  /** A real JPEG followed by random bytes from {@code seed}, SIZE bytes in all. */
  static byte[] original(long seed) throws Exception {
    byte[] jpeg = ClusterEndToEndTest.jpeg(64, 64);
    byte[] b = Arrays.copyOf(jpeg, SIZE);
    byte[] tail = new byte[SIZE - jpeg.length];
    new SplittableRandom(seed).nextBytes(tail);
    System.arraycopy(tail, 0, b, jpeg.length, tail.length);
    return b;
  }

  @Test
  void stalledClientsOfColdLargeOriginals_relaysReleased_shardStreamsClosed_everyByteLater()
      throws Exception {
    int clients = 4;
    byte[][] originals = new byte[clients][];
    for (int i = 0; i < clients; i++) {
      originals[i] = original(100 + i);
      cluster.s3().put("photos/cold-" + i + ".jpg", originals[i], "image/jpeg");
    }
    URI edge = URI.create(cluster.edgeUrl());
    long releasedBefore = cluster.edge().tier().stats().released();
    Socket[] sockets = new Socket[clients];
    try {
      for (int i = 0; i < clients; i++) {
        sockets[i] = connect(edge, 64 * 1024);
        send(sockets[i], "/photos/cold-" + i + ".jpg");
      }
      // Each miss goes to S3 and back through the origin and the shard (stored there, then sent
      // chunk by
      // chunk); the edge relays it, the client reads nothing, and after 500 ms the relay lets go of
      // its
      // shard connection, which ends the shard's chunk-by-chunk response. The rest comes by Range,
      // from
      // the shard's stored chunks.
      await(
          "every relay released",
          () -> cluster.edge().tier().stats().released() == releasedBefore + clients);
      await("no shard response left open", () -> shardStreamsOpen() == 0);
      for (int i = 0; i < clients; i++) {
        RawHttp.Response r = RawHttp.read(sockets[i].getInputStream(), false);
        assertThat(r.status()).isEqualTo(200);
        assertThat(Arrays.equals(r.body(), originals[i]))
            .as("client %d: every byte, the rest by Range", i)
            .isTrue();
      }
    } finally {
      for (Socket s : sockets) {
        if (s != null) {
          s.close();
        }
      }
    }
    await("every relay closed", () -> cluster.edge().tier().stats().openStreams() == 0);
    for (int i = 0; i < clients; i++) {
      String key = ShardTier.storeKey(ImageUrl.parse("/photos/cold-" + i + ".jpg"));
      assertThat(
              cluster.shards().get(0).store().find(key, ByteBuffer::allocateDirect, b -> {}).join())
          .as("original %d stored on the shard", i)
          .isPresent();
    }
  }

  /** The shards' chunk-by-chunk responses in progress, from their /metrics. */
  static long shardStreamsOpen() {
    long open = 0;
    for (var shard : cluster.shards()) {
      try {
        String metrics =
            new String(
                URI.create("http://127.0.0.1:" + shard.adminPort() + "/metrics")
                    .toURL()
                    .openStream()
                    .readAllBytes(),
                StandardCharsets.UTF_8);
        java.util.regex.Matcher m =
            java.util.regex.Pattern.compile(
                    "(?m)^imgcdn_shard_streams_open(?:\\{[^}]*\\})? ([0-9.eE+-]+)$")
                .matcher(metrics);
        assertThat(m.find()).as("imgcdn_shard_streams_open in /metrics").isTrue();
        open += (long) Double.parseDouble(m.group(1));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return open;
  }

  static void await(String what, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waiting for: %s", what).isLessThan(deadline);
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
    }
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
    s.getOutputStream()
        .write(
            ("GET " + path + " HTTP/1.1\r\nHost: test\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
  }
}
