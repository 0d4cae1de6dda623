package io.imgcdn.shard.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.cluster.ClusterFile;
import io.imgcdn.common.cluster.Membership;
import io.imgcdn.common.config.Settings;
import io.imgcdn.common.http.HttpServer;
import io.imgcdn.common.http.ImageObject;
import io.imgcdn.common.http.ObjectServerHandler;
import io.imgcdn.common.http.Reply;
import io.imgcdn.common.http.ServerOptions;
import io.imgcdn.common.http.Transports;
import io.imgcdn.common.testing.NettyLeakWatch;
import io.imgcdn.common.url.ImageUrl;
import io.imgcdn.hashring.Node;
import io.imgcdn.shard.ShardServer;
import io.imgcdn.shard.config.ShardConfig;
import io.imgcdn.shard.store.StoredObject;
import io.netty.channel.EventLoopGroup;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real shard (RocksDB in a temporary directory, HTTP on 127.0.0.1) answering hits on bodies
 * stored in chunks: sent chunk by chunk as each client takes them, so slow clients of a 15 MB
 * picture hold a chunk or two of memory each, also when the picture was just filled from the
 * origin; ranges read only the chunks they cover; a body replaced mid-response is cut, never
 * continued with the new version's bytes.
 */
class ShardChunkedHitTest {
  private static final int MIB = 1 << 20;
  private static final int PICTURE_BYTES = 15 * MIB + 12_345; // 16 chunks, the last one partial
  private static final String PATH = "/big/picture.png";
  private static final String LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT";
  private static final Duration PATIENCE = Duration.ofMinutes(2);

  /**
   * The chunk buffers a shard keeps for reuse (DirectLease.CHUNKS), at most: the process's, not a
   * response's.
   */
  private static final long CHUNK_BUFFERS = 32L * DirectLease.CHUNK_BUFFER_BYTES;

  @TempDir Path dir;

  private final NettyLeakWatch leaks = new NettyLeakWatch();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
  private final AtomicInteger originRequests = new AtomicInteger();
  private EventLoopGroup group;
  private HttpServer origin;
  private ShardServer shard;
  private ShardConfig config;
  private byte[] picture;

  @BeforeEach
  void start() throws Exception {
    group = Transports.group(1, "large-origin");
    // An origin whose every path under /cold/ is a picture of PICTURE_BYTES (bytes seeded by the
    // path).
    origin =
        HttpServer.bind(
            group,
            group,
            "127.0.0.1",
            0,
            ServerOptions.withIdleTimeout(Duration.ofSeconds(60)),
            () ->
                new ObjectServerHandler(
                    "origin-1",
                    (url, headers) -> {
                      originRequests.incrementAndGet();
                      return CompletableFuture.completedFuture(
                          Reply.ok(
                              new ImageObject(
                                  "image/png", "\"o\"", "public", coldPicture(url.path())),
                              "origin-1;miss"));
                    },
                    null,
                    16));
    Path clusterFile = dir.resolve("cluster.conf");
    Files.writeString(
        clusterFile,
        ClusterFile.format(
            new Membership(
                List.of(), List.of(new Node("origin-1", "127.0.0.1:" + origin.port(), 1)))));
    Settings settings =
        Settings.of(
            Map.of(
                "node.id", "shard-1",
                "server.port", "0",
                "admin.port", "0",
                "shard.store.dir", dir.resolve("store").toString(),
                "shard.store.max-bytes", "1g",
                "cluster.file", clusterFile.toString()));
    config = ShardConfig.from(settings);
    settings.finish();
    shard = ShardServer.start(config);
    picture = bytes(PICTURE_BYTES, 1);
    put(picture, "\"v1\"");
  }

  @AfterEach
  void stop() {
    if (shard != null) {
      shard.close();
    }
    if (origin != null) {
      origin.shutdownGracefully(Duration.ZERO);
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    List<String> reported = leaks.leaks();
    leaks.close();
    assertThat(reported).as("Netty buffers garbage-collected without release").isEmpty();
  }

  @Test
  void slowClients_readingNothing_eachResponseHoldsAFewChunksNotThePicture() throws Exception {
    int clients = 40;
    long before = directMemory();
    List<Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < clients; i++) {
        sockets.add(ask(PATH));
      }
      awaitMetric("imgcdn_shard_streams_waiting", n -> n == clients);
      long held = directMemory() - before;
      System.out.printf(
          "%d clients of a %d-byte picture reading nothing: %d MiB of direct memory held "
              + "(the pictures: %d MiB)%n",
          clients, PICTURE_BYTES, held / MIB, (long) clients * PICTURE_BYTES / MIB);
      assertThat(metric("imgcdn_shard_streams_open")).isEqualTo(clients);
      // Reading the whole body first held a picture per response: 40 x 15 MiB = 600 MiB.
      assertThat(held)
          .as("pooled direct memory held by %d paused responses", clients)
          .isLessThan((long) clients * 4 * MIB + 64L * MIB + CHUNK_BUFFERS);

      // One client drains its response: it gets every byte while the others stay paused.
      byte[] got = readResponse(sockets.get(0).getInputStream());
      assertThat(got.length).isEqualTo(PICTURE_BYTES);
      assertThat(Arrays.equals(got, picture)).as("the body, byte for byte").isTrue();
      awaitMetric("imgcdn_shard_streams_open", n -> n == clients - 1);
      assertThat(metric("imgcdn_shard_streams_waiting")).isEqualTo(clients - 1);
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
    awaitMetric("imgcdn_shard_streams_open", n -> n == 0);
    assertThat(metric("imgcdn_shard_streams_waiting")).isZero();
    assertThat(metric("imgcdn_shard_streams_cut_total")).isZero();
  }

  @Test
  void slowClientsOfColdPictures_fillsAnsweredFromTheStoreChunkByChunk() throws Exception {
    int clients = 20;
    long before = directMemory();
    List<Socket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < clients; i++) {
        sockets.add(ask("/cold/" + i + ".png"));
      }
      Socket coalesced = ask("/cold/0.png"); // joins the first fill
      sockets.add(coalesced);
      awaitMetric("imgcdn_shard_streams_waiting", n -> n == clients + 1);
      long held = directMemory() - before;
      System.out.printf(
          "%d clients of cold %d-byte pictures reading nothing: %d MiB of direct memory held%n",
          clients + 1, PICTURE_BYTES, held / MIB);
      // Answered from the fill's array, each response was copied whole into direct memory by the
      // transport.
      assertThat(held).isLessThan((long) (clients + 1) * 4 * MIB + 64L * MIB + CHUNK_BUFFERS);
      assertThat(originRequests.get()).isEqualTo(clients);

      // The two requests for /cold/0.png came on two connections: either may have led the fill.
      String leaderOrNot = head(sockets.get(0).getInputStream());
      String head = head(coalesced.getInputStream());
      assertThat(List.of(leaderOrNot, head))
          .as("one fill for both")
          .anyMatch(h -> h.contains("x-cache: shard-1;coalesced, origin-1;miss"))
          .anyMatch(h -> h.contains("x-cache: shard-1;miss, origin-1;miss"));
      byte[] got = coalesced.getInputStream().readNBytes(PICTURE_BYTES);
      assertThat(Arrays.equals(got, coldPicture("/cold/0.png")))
          .as("the body, byte for byte")
          .isTrue();
      assertThat(readResponse(sockets.get(1).getInputStream()))
          .isEqualTo(coldPicture("/cold/1.png"));
    } finally {
      for (Socket s : sockets) {
        s.close();
      }
    }
    awaitMetric("imgcdn_shard_streams_open", n -> n == 0);
    assertThat(get("/cold/1.png", Map.of()).headers().firstValue("X-Cache"))
        .hasValue("shard-1;hit");
  }

  @Test
  void ranges_headAndConditionals_answeredFromTheChunksTheyCover() throws Exception {
    HttpResponse<byte[]> whole = get(PATH, Map.of());
    assertThat(whole.statusCode()).isEqualTo(200);
    assertThat(whole.headers().firstValue("Content-Length"))
        .hasValue(String.valueOf(PICTURE_BYTES));
    assertThat(whole.headers().firstValue("X-Cache")).hasValue("shard-1;hit");
    assertThat(Arrays.equals(whole.body(), picture)).isTrue();

    HttpResponse<byte[]> across =
        get(PATH, Map.of("Range", "bytes=" + (MIB - 10) + "-" + (MIB + 9)));
    assertThat(across.statusCode()).isEqualTo(206);
    assertThat(across.headers().firstValue("Content-Range"))
        .hasValue("bytes " + (MIB - 10) + "-" + (MIB + 9) + "/" + PICTURE_BYTES);
    assertThat(across.body()).isEqualTo(Arrays.copyOfRange(picture, MIB - 10, MIB + 10));

    HttpResponse<byte[]> tail = get(PATH, Map.of("Range", "bytes=-100"));
    assertThat(tail.statusCode()).isEqualTo(206);
    assertThat(tail.body())
        .isEqualTo(Arrays.copyOfRange(picture, PICTURE_BYTES - 100, PICTURE_BYTES));

    HttpResponse<byte[]> rest =
        get(PATH, Map.of("Range", "bytes=" + 7 * MIB + "-", "If-Range", "\"v1\""));
    assertThat(rest.statusCode()).isEqualTo(206);
    assertThat(rest.body()).isEqualTo(Arrays.copyOfRange(picture, 7 * MIB, PICTURE_BYTES));

    HttpResponse<byte[]> staleIfRange =
        get(PATH, Map.of("Range", "bytes=0-9", "If-Range", "\"v0\""));
    assertThat(staleIfRange.statusCode())
        .as("If-Range of another version: the whole object")
        .isEqualTo(200);
    assertThat(staleIfRange.body()).hasSize(PICTURE_BYTES);

    HttpResponse<byte[]> beyond = get(PATH, Map.of("Range", "bytes=" + PICTURE_BYTES + "-"));
    assertThat(beyond.statusCode()).isEqualTo(416);
    assertThat(beyond.headers().firstValue("Content-Range")).hasValue("bytes */" + PICTURE_BYTES);

    HttpResponse<byte[]> notModified = get(PATH, Map.of("If-None-Match", "\"v1\""));
    assertThat(notModified.statusCode()).isEqualTo(304);
    assertThat(notModified.body()).isEmpty();

    assertThat(whole.headers().firstValue("Last-Modified")).hasValue(LAST_MODIFIED);
    HttpResponse<byte[]> notModifiedSince = get(PATH, Map.of("If-Modified-Since", LAST_MODIFIED));
    assertThat(notModifiedSince.statusCode()).isEqualTo(304);
    assertThat(notModifiedSince.headers().firstValue("ETag")).hasValue("\"v1\"");
    HttpResponse<byte[]> modifiedSince =
        get(PATH, Map.of("If-Modified-Since", "Tue, 20 Oct 2015 07:28:00 GMT"));
    assertThat(modifiedSince.statusCode()).isEqualTo(200);
    assertThat(modifiedSince.body()).hasSize(PICTURE_BYTES);

    HttpResponse<byte[]> ifMatchOther =
        get(PATH, Map.of("If-Match", "\"v0\"", "Range", "bytes=0-9"));
    assertThat(ifMatchOther.statusCode()).isEqualTo(412);
    assertThat(new String(ifMatchOther.body(), StandardCharsets.US_ASCII))
        .isEqualTo("precondition failed: If-Match\n");
    HttpResponse<byte[]> ifMatch = get(PATH, Map.of("If-Match", "\"v1\"", "Range", "bytes=0-9"));
    assertThat(ifMatch.statusCode()).isEqualTo(206);
    assertThat(ifMatch.body()).isEqualTo(Arrays.copyOfRange(picture, 0, 10));

    HttpResponse<byte[]> restByDate =
        get(PATH, Map.of("Range", "bytes=" + 9 * MIB + "-", "If-Range", LAST_MODIFIED));
    assertThat(restByDate.statusCode()).isEqualTo(206);
    assertThat(restByDate.body()).isEqualTo(Arrays.copyOfRange(picture, 9 * MIB, PICTURE_BYTES));
    HttpResponse<byte[]> staleDate =
        get(PATH, Map.of("Range", "bytes=0-9", "If-Range", "Tue, 20 Oct 2015 07:28:00 GMT"));
    assertThat(staleDate.statusCode()).isEqualTo(200);
    assertThat(staleDate.body()).hasSize(PICTURE_BYTES);

    HttpResponse<byte[]> head =
        http.send(
            HttpRequest.newBuilder(uri(PATH))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .timeout(PATIENCE)
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.headers().firstValue("Content-Length")).hasValue(String.valueOf(PICTURE_BYTES));
    assertThat(head.body()).isEmpty();

    awaitMetric("imgcdn_shard_streams_open", n -> n == 0);
    assertThat(metric("imgcdn_shard_streams_cut_total")).isZero();
  }

  @Test
  void bodyReplacedMidResponse_responseIsCutNeverSpliced() throws Exception {
    try (Socket s = ask(PATH)) {
      InputStream in = s.getInputStream();
      assertThat(head(in)).startsWith("http/1.1 200").contains("content-length: " + PICTURE_BYTES);
      byte[] start = in.readNBytes(MIB);
      awaitMetric("imgcdn_shard_streams_waiting", n -> n == 1);

      put(bytes(PICTURE_BYTES, 2), "\"v2\""); // the same size, other bytes, a new write
      byte[] rest = in.readAllBytes(); // returns when the shard closes the connection

      byte[] got = new byte[start.length + rest.length];
      System.arraycopy(start, 0, got, 0, start.length);
      System.arraycopy(rest, 0, got, start.length, rest.length);
      assertThat(got.length).as("bytes before the cut").isLessThan(PICTURE_BYTES);
      assertThat(Arrays.equals(got, Arrays.copyOf(picture, got.length)))
          .as("every byte sent is the first version's")
          .isTrue();
    }
    assertThat(metric("imgcdn_shard_streams_cut_total")).isEqualTo(1);
    assertThat(shard.store().stats().checksumFailures())
        .as("a replaced object is not corruption")
        .isZero();
    awaitMetric("imgcdn_shard_streams_open", n -> n == 0);

    HttpResponse<byte[]> fresh = get(PATH, Map.of());
    assertThat(fresh.headers().firstValue("ETag")).hasValue("\"v2\"");
    assertThat(Arrays.equals(fresh.body(), bytes(PICTURE_BYTES, 2))).isTrue();
  }

  @Test
  void firstChunkCorruptOnDisk_foundBeforeTheHead_refetchedWholeNeverCut() throws Exception {
    corruptOnDisk(0);

    HttpResponse<byte[]> r = get(PATH, Map.of());

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("X-Cache").orElseThrow()).startsWith("shard-1;miss");
    assertThat(Arrays.equals(r.body(), coldPicture(PATH))).as("the origin's copy, whole").isTrue();
    assertThat(originRequests.get()).isEqualTo(1);
    assertThat(metric("imgcdn_shard_streams_cut_total")).isZero();
    assertThat(metric("imgcdn_cache_checksum_failures_total")).isEqualTo(1);
  }

  @Test
  void laterChunkCorruptOnDisk_responseCutShortThenRefetchedByTheNextRequest() throws Exception {
    corruptOnDisk(5);

    try (Socket s = ask(PATH)) {
      InputStream in = s.getInputStream();
      assertThat(head(in)).startsWith("http/1.1 200").contains("content-length: " + PICTURE_BYTES);
      byte[] got = in.readAllBytes(); // returns when the shard closes the connection
      assertThat(got.length).as("cut in chunk 5").isBetween(4 * MIB, 6 * MIB);
      assertThat(Arrays.equals(got, Arrays.copyOf(picture, got.length)))
          .as("no bad byte is sent")
          .isTrue();
    }
    assertThat(metric("imgcdn_shard_streams_cut_total")).isEqualTo(1);
    assertThat(metric("imgcdn_cache_checksum_failures_total")).isEqualTo(1);

    HttpResponse<byte[]> next = get(PATH, Map.of());
    assertThat(next.headers().firstValue("X-Cache").orElseThrow())
        .as("the bad copy was dropped")
        .startsWith("shard-1;miss");
    assertThat(Arrays.equals(next.body(), coldPicture(PATH))).isTrue();
    assertThat(originRequests.get()).isEqualTo(1);
  }

  /**
   * Gets the stored picture into a table file (a restart flushes the WAL), then, with the shard
   * stopped, inverts one byte of chunk {@code index}'s body in that file, and starts the shard
   * again.
   */
  private void corruptOnDisk(int index) throws Exception {
    shard.close();
    shard = ShardServer.start(config);
    shard.close();
    int at = index * MIB + MIB / 2;
    byte[] needle = Arrays.copyOfRange(picture, at, at + 64);
    int flipped = 0;
    try (var files = Files.list(dir.resolve("store"))) {
      for (Path table : files.filter(f -> f.toString().endsWith(".sst")).toList()) {
        byte[] bytes = Files.readAllBytes(table);
        for (int i = 0; i + needle.length <= bytes.length && flipped == 0; i++) {
          if (Arrays.equals(bytes, i, i + needle.length, needle, 0, needle.length)) {
            bytes[i + 32] ^= (byte) 0xFF;
            Files.write(table, bytes);
            flipped++;
          }
        }
      }
    }
    assertThat(flipped).as("chunk %d's bytes found in a table file", index).isEqualTo(1);
    shard = ShardServer.start(config);
  }

  /** A GET sent on a new connection whose client reads nothing (64 KiB receive buffer). */
  private Socket ask(String path) throws IOException {
    Socket s = new Socket();
    s.setReceiveBufferSize(64 * 1024);
    s.connect(new java.net.InetSocketAddress("127.0.0.1", shard.port()), 30_000);
    s.setSoTimeout((int) PATIENCE.toMillis());
    s.getOutputStream().write(request(path, "").getBytes(StandardCharsets.US_ASCII));
    return s;
  }

  /**
   * Netty's direct memory and the chunk buffers the shard keeps for reuse (made outside Netty's
   * count).
   */
  private static long directMemory() {
    return PlatformDependent.usedDirectMemory()
        + (long) DirectLease.CHUNKS.created() * DirectLease.CHUNKS.bufferBytes();
  }

  private static byte[] coldPicture(String path) {
    return bytes(PICTURE_BYTES, path.hashCode());
  }

  private void put(byte[] body, String etag) {
    shard
        .store()
        .put(
            ShardTier.storeKey(ImageUrl.parse(PATH)),
            new StoredObject(
                "image/png",
                etag,
                LAST_MODIFIED,
                "public, max-age=60",
                System.currentTimeMillis(),
                body))
        .join();
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + shard.port() + path);
  }

  private HttpResponse<byte[]> get(String path, Map<String, String> headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(PATIENCE);
    headers.forEach(b::header);
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private static String request(String path, String extraHeaders) {
    return "GET " + path + " HTTP/1.1\r\nHost: shard\r\n" + extraHeaders + "\r\n";
  }

  /** The response head, lower-cased, up to the blank line. */
  private static String head(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("connection closed in the head: " + head);
      }
      head.append((char) b);
    }
    return head.toString().toLowerCase(java.util.Locale.ROOT);
  }

  /** A 200's body, read after its head by Content-Length. */
  private static byte[] readResponse(InputStream in) throws IOException {
    String head = head(in);
    assertThat(head).startsWith("http/1.1 200");
    Matcher m = Pattern.compile("content-length: (\\d+)").matcher(head);
    assertThat(m.find()).as("Content-Length in %s", head).isTrue();
    return in.readNBytes(Integer.parseInt(m.group(1)));
  }

  private long metric(String name) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + shard.adminPort() + "/metrics"))
                .timeout(PATIENCE)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    Matcher m =
        Pattern.compile("(?m)^" + name + "(?:\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(r.body());
    assertThat(m.find()).as("%s in /metrics", name).isTrue();
    return (long) Double.parseDouble(m.group(1));
  }

  /**
   * Polls /metrics until {@code name} satisfies {@code condition}; fails with its last value after
   * PATIENCE.
   */
  private void awaitMetric(String name, IntPredicate condition) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    long value = metric(name);
    while (!condition.test((int) value)) {
      assertThat(System.nanoTime()).as("%s still %d", name, value).isLessThan(deadline);
      LockSupport.parkNanos(20_000_000);
      value = metric(name);
    }
  }
}
