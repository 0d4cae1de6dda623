package io.imgcdn.bench.jmh.edge;

import io.imgcdn.common.cluster.ClusterView;
import io.imgcdn.common.cluster.NodeHealth;
import io.imgcdn.common.http.AcceptClass;
import io.imgcdn.common.http.ETags;
import io.imgcdn.common.http.ImageObject;
import io.imgcdn.common.http.ObjectServerHandler;
import io.imgcdn.common.http.Reply;
import io.imgcdn.common.http.RequestHeadTimeout;
import io.imgcdn.common.http.ServerInitializer;
import io.imgcdn.common.http.Tier;
import io.imgcdn.common.upstream.UpstreamClient;
import io.imgcdn.common.upstream.UpstreamSettings;
import io.imgcdn.edge.cache.CachedObject;
import io.imgcdn.edge.cache.EdgeCache;
import io.imgcdn.edge.http.EdgeTier;
import io.imgcdn.edge.routing.ShardRouter;
import io.imgcdn.hashring.Placement;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpResponseEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One cache hit through the edge's whole serving pipeline minus the socket: request bytes in,
 * through the request-head timeout, HttpRequestDecoder, ObjectServerHandler, EdgeTier (Caffeine
 * lookup, tryRetain) and CachedResponse, response buffers out. {@code edge} is the off-heap,
 * pre-encoded hit; {@code edgeAccept} the same request with Chrome's Accept header (what the
 * decoder costs for it); {@code edgeVarying} that request for a URL whose responses vary by Accept
 * (a marker, then the representation of Chrome's Accept class: two lookups and one parse of
 * Accept); {@code heapReply} is the same request answered the way shards answer (a {@link Reply}
 * over a heap array, headers encoded per response by HttpResponseEncoder) as the peer in the same
 * run. With {@code -prof gc}, {@code gc.alloc.rate.norm} is the garbage per hit. The body is never
 * copied on the edge path: the response is a prefix buffer plus a slice of the stored off-heap
 * buffer.
 *
 * <p>Run (see docs/BENCHMARKS.md):
 *
 * {@snippet lang="shell" :
 * java -cp "$(cat bench/target/cp.txt):bench/target/classes" org.openjdk.jmh.Main \
 *     'jmh.edge.EdgeHitBenchmark' -prof gc
 * }
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {
      "-Xmx512m",
      "--sun-misc-unsafe-memory-access=allow",
      "-Dio.netty.noUnsafe=false",
      "--enable-native-access=ALL-UNNAMED",
      "-Dio.netty.leakDetection.level=disabled"
    })
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class EdgeHitBenchmark {

  @Param({"10240", "61440"})
  public int size;

  @Param({"edge", "edgeAccept", "edgeVarying", "heapReply"})
  public String path;

  /** Every stored object has one, as objects from S3 do. */
  static final String LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT";

  static final String CHROME_ACCEPT =
      "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8";

  private Path dir;
  private ClusterView cluster;
  private EventLoopGroup group;
  private UpstreamClient client;
  private EdgeCache cache;
  private EmbeddedChannel channel;
  private ByteBuf request;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    dir = Files.createTempDirectory("edge-hit-bench");
    Path clusterFile = dir.resolve("cluster.conf");
    Files.writeString(clusterFile, "shard shard-1 127.0.0.1:9\n");
    cluster = new ClusterView(clusterFile, Placement.KETAMA);
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    client =
        new UpstreamClient(
            group,
            new UpstreamSettings(Duration.ofMillis(500), Duration.ofSeconds(1), 4, 16, 1 << 20));
    cache = new EdgeCache(64L << 20, 4L << 20);
    byte[] body = new byte[size];
    new SplittableRandom(1).nextBytes(body);
    String etag = ETags.of(body);
    CachedObject.Builder b =
        cache.builder("image/jpeg", etag, LAST_MODIFIED, ImageObject.IMMUTABLE, null, size);
    b.append(Unpooled.wrappedBuffer(body));
    CachedObject o = b.build("shard-1;hit");
    String key = "/photos/2024/06/01/a1b2c3d4_p0_master1200.jpg";
    if (path.equals("edgeVarying")) { // a marker under the key, the body under Chrome's class
      cache.admitVarying(key, AcceptClass.of(CHROME_ACCEPT), o);
    } else {
      cache.admit(key, o);
    }
    o.release();

    Tier tier;
    if (path.startsWith("edge")) {
      tier =
          new EdgeTier(
              "edge-1",
              cache,
              new ShardRouter(cluster, new NodeHealth(3, 2000), 2, 0.25, 16),
              client,
              "",
              Duration.ofSeconds(10),
              Duration.ofSeconds(5));
    } else {
      Reply reply =
          Reply.ok(
              new ImageObject("image/jpeg", etag, LAST_MODIFIED, ImageObject.IMMUTABLE, body),
              "edge-1;hit");
      CompletableFuture<Reply> done = CompletableFuture.completedFuture(reply);
      tier = (url, headers) -> done;
    }
    channel = new EmbeddedChannel();
    channel
        .pipeline()
        .addLast("head-timeout", new RequestHeadTimeout(TimeUnit.SECONDS.toNanos(10)));
    channel
        .pipeline()
        .addLast(
            "decoder",
            new HttpRequestDecoder(
                ServerInitializer.MAX_INITIAL_LINE, ServerInitializer.MAX_HEADER_SIZE, 8192));
    channel.pipeline().addLast(ServerInitializer.ENCODER, new HttpResponseEncoder());
    channel.pipeline().addLast("handler", new ObjectServerHandler("edge-1", tier, null, 16));
    // What wrk sends: a request line, Host, and nothing else; edgeAccept and edgeVarying add
    // Chrome's Accept.
    request =
        Unpooled.unreleasableBuffer(
            Unpooled.directBuffer()
                .writeBytes(
                    ("GET /photos/2024/06/01/a1b2c3d4_p0_master1200.jpg HTTP/1.1\r\n"
                            + "Host: 127.0.0.1:8080\r\n"
                            + (path.equals("edgeAccept") || path.equals("edgeVarying")
                                ? "Accept: " + CHROME_ACCEPT + "\r\n"
                                : "")
                            + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII)));
    if (hit() < size) {
      throw new IllegalStateException(
          "the benchmark request is not answered with the whole object");
    }
  }

  /** One request in, the whole response out; returns the response bytes (heads and body). */
  @Benchmark
  public long hit() {
    channel.writeInbound(request.duplicate());
    long bytes = 0;
    Object out;
    while ((out = channel.readOutbound()) != null) {
      ByteBuf buf = (ByteBuf) out;
      bytes += buf.readableBytes();
      buf.release();
    }
    return bytes;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws Exception {
    channel.finishAndReleaseAll();
    cache.close();
    client.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    cluster.close();
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
