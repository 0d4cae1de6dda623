package io.imgcdn.edge.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.imgcdn.common.cluster.ClusterView;
import io.imgcdn.common.cluster.NodeHealth;
import io.imgcdn.common.http.ETags;
import io.imgcdn.common.http.ImageObject;
import io.imgcdn.common.http.ObjectServerHandler;
import io.imgcdn.common.http.Protocol;
import io.imgcdn.common.http.RequestHeadValidator;
import io.imgcdn.common.http.ServerInitializer;
import io.imgcdn.common.http.ServerOptions;
import io.imgcdn.common.http.StreamRequestHandler;
import io.imgcdn.common.http.TierDispatch;
import io.imgcdn.common.upstream.UpstreamClient;
import io.imgcdn.common.upstream.UpstreamSettings;
import io.imgcdn.edge.cache.CachedObject;
import io.imgcdn.edge.cache.EdgeCache;
import io.imgcdn.edge.routing.ShardRouter;
import io.imgcdn.hashring.Placement;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edge's cache hit, whose HTTP/1.1 head is encoded in advance, served on an HTTP/2 stream: the
 * stream offers no pre-encoded path, so the hit writes an HttpResponse and its content, framed as
 * HEADERS and DATA, with the same header fields and body as the HTTP/1.1 hit.
 */
class EdgeHitOverHttp2Test {
  static final String KEY = "/photos/a1b2c3d4_p0_master1200.jpg";
  static final int SIZE = 10_240;

  @TempDir Path dir;
  private EventLoopGroup group;
  private UpstreamClient client;
  private ClusterView cluster;
  private EdgeCache cache;
  private EdgeTier tier;
  private byte[] body;
  private final List<Protocol> heard = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    Path clusterFile = dir.resolve("cluster.conf");
    Files.writeString(
        clusterFile, "shard shard-1 127.0.0.1:9\n"); // never asked: every request hits
    cluster = new ClusterView(clusterFile, Placement.KETAMA);
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    client =
        new UpstreamClient(
            group,
            new UpstreamSettings(Duration.ofMillis(500), Duration.ofSeconds(1), 4, 16, 1 << 20));
    cache = new EdgeCache(64L << 20, 4L << 20);
    body = new byte[SIZE];
    new SplittableRandom(1).nextBytes(body);
    CachedObject.Builder b =
        cache.builder(
            "image/jpeg",
            ETags.of(body),
            "Tue, 01 Dec 2026 10:00:00 GMT",
            ImageObject.IMMUTABLE,
            "",
            SIZE);
    b.append(Unpooled.wrappedBuffer(body));
    CachedObject o = b.build("shard-1;hit");
    cache.admit(KEY, o);
    o.release();
    tier =
        new EdgeTier(
            "edge-1",
            cache,
            new ShardRouter(cluster, new NodeHealth(3, 2000), 2, 0.25, 16),
            client,
            "",
            Duration.ofSeconds(10),
            Duration.ofSeconds(5));
  }

  @AfterEach
  void stop() throws Exception {
    cache.close();
    client.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    cluster.close();
  }

  private EmbeddedChannel http2Stream() {
    return new EmbeddedChannel(
        new Http2StreamFrameToHttpObjectCodec(true),
        new RequestHeadValidator(Protocol.HTTP_2),
        new StreamRequestHandler(
            new TierDispatch("edge-1", tier, (p, m, r, status, bytes, nanos) -> heard.add(p)),
            Protocol.HTTP_2));
  }

  /** Header fields without the ones that differ by protocol or by second. */
  static Map<String, String> fields(
      Iterable<? extends Map.Entry<? extends CharSequence, ? extends CharSequence>> headers) {
    Map<String, String> fields = new TreeMap<>();
    for (Map.Entry<? extends CharSequence, ? extends CharSequence> e : headers) {
      String name = e.getKey().toString().toLowerCase(java.util.Locale.ROOT);
      if (!name.startsWith(":") && !name.equals("date")) {
        fields.put(name, e.getValue().toString());
      }
    }
    return fields;
  }

  @Test
  void hit_overHttp2_sameFieldsAndBodyAsTheHttp1Hit() {
    EmbeddedChannel stream = http2Stream();
    stream.writeInbound(
        new DefaultHttp2HeadersFrame(
            new DefaultHttp2Headers().method("GET").path(KEY).scheme("https").authority("cdn"),
            true));
    Http2HeadersFrame head = stream.readOutbound();
    assertThat(head.headers().status().toString()).isEqualTo("200");
    assertThat(head.isEndStream()).isFalse();
    ByteBuf data = Unpooled.buffer();
    Object frame;
    boolean ended = false;
    while ((frame = stream.readOutbound()) != null) {
      Http2DataFrame d = (Http2DataFrame) frame;
      data.writeBytes(d.content());
      ended = d.isEndStream();
      d.release();
    }
    assertThat(ended).isTrue();
    assertThat(ByteBufUtil.getBytes(data)).isEqualTo(body);
    assertThat(heard).containsExactly(Protocol.HTTP_2);
    assertFalse(stream.finishAndReleaseAll());

    EmbeddedChannel http1 =
        new EmbeddedChannel(
            new ServerInitializer(
                () -> new ObjectServerHandler("edge-1", tier, null, 16),
                ServerOptions.withIdleTimeout(Duration.ofSeconds(60)),
                null));
    http1.writeInbound(
        Unpooled.copiedBuffer(
            "GET " + KEY + " HTTP/1.1\r\nHost: cdn\r\n\r\n", StandardCharsets.US_ASCII));
    EmbeddedChannel decoder =
        new EmbeddedChannel(new HttpResponseDecoder(), new HttpObjectAggregator(1 << 20));
    Object bytes;
    while ((bytes = http1.readOutbound()) != null) {
      decoder.writeInbound(bytes);
    }
    FullHttpResponse viaHttp1 = decoder.readInbound();
    assertThat(viaHttp1.status().code()).isEqualTo(200);
    assertThat(ByteBufUtil.getBytes(viaHttp1.content())).isEqualTo(body);
    assertThat(fields(head.headers()))
        .containsEntry("x-cache", "edge-1;hit")
        .containsEntry("content-length", String.valueOf(SIZE))
        .containsEntry("access-control-allow-origin", "*") // the policy, decorated on HTTP/2
        .containsEntry("x-content-type-options", "nosniff") // and pre-encoded on HTTP/1.1
        .isEqualTo(fields(viaHttp1.headers()));
    viaHttp1.release();
    data.release();
    assertFalse(http1.finishAndReleaseAll());
    assertFalse(decoder.finishAndReleaseAll());
  }
}
