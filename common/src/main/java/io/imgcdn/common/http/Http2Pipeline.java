package io.imgcdn.common.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP/2 serving pipeline of one connection (RFC 9113), put in place once ALPN chose h2: the
 * idle timeout, Netty's frame codec with the limits of {@link Http2Options}, a drain handler, and a
 * multiplexer whose stream channels each answer one request with {@link StreamRequestHandler},
 * after the stream codec and a {@link RequestHeadValidator} for HTTP/2. All the connection's
 * streams share one {@link TierDispatch}.
 */
public final class Http2Pipeline {
  /*
   * Limits, and which defence each is (see Http2Options): SETTINGS announce the stream, header list and
   * window limits; Netty refuses streams beyond max-concurrent-streams with RST_STREAM(REFUSED_STREAM),
   * answers a header list over the bound with 431, ends the connection (GOAWAY ENHANCE_YOUR_CALM) when a
   * client sends more RST_STREAMs than allowed (rapid reset) or leaves more than the allowed number of
   * SETTINGS/PING acknowledgements unread (control frame floods).
   *
   * Backpressure: a stream channel is writable while its flow-control window and the connection's have
   * room and the socket is writable, so a response that writes only while its channel is writable (a
   * relayed stream) holds at most a window's worth queued per stream, as an HTTP/1.1 connection holds
   * its socket buffer's.
   *
   * Sending: the flow controller shares the connection's room among the streams with bytes to send.
   * Netty's default distributor does it by RFC 7540 priority in slices of 1 KB, so concurrent responses
   * left in 1 KB DATA frames, each with its own header buffer, promise and TLS copy: a 60 KB hit took 60
   * frames and 1.5-3.6x the CPU it takes in 16 KB frames with 32-100 streams per connection (more under
   * leak detection, which tracks every buffer). Here each stream gets a whole frame per turn, round
   * robin; RFC 9113 section 5.3.2 deprecated RFC 7540's priority scheme, which is ignored.
   *
   * Idle: the IdleTimeout sits before the codec and sees every frame read and every flush. A stream
   * waiting for the tier keeps the connection open (the tier's deadline bounds it); a stream whose
   * client never opens its window (zero-window stall) does not: nothing moves, and the connection is
   * closed after the idle timeout.
   *
   * Drain: ServerConnections.DRAIN closes the connection through the codec, which is Netty's graceful
   * shutdown: GOAWAY(NO_ERROR) naming the last stream taken, the open streams finish, then the
   * connection closes (ServerConnections closes whatever is still open after its grace).
   */
  private static final Logger LOG = LoggerFactory.getLogger(Http2Pipeline.class);

  /**
   * The most bytes the flow controller gives one stream per turn: a DATA frame of the default
   * SETTINGS_MAX_FRAME_SIZE (RFC 9113 section 4.2), one TLS record's worth.
   */
  static final int DATA_QUANTUM = 16_384;

  private final Http2Options options;
  private final ServerOptions server;
  private final Supplier<TierDispatch> dispatches;

  /**
   * @param dispatches makes the dispatch of one connection (shared by its streams)
   */
  public Http2Pipeline(
      Http2Options options, ServerOptions server, Supplier<TierDispatch> dispatches) {
    this.options = options;
    this.server = server;
    this.dispatches = dispatches;
  }

  public Http2Options options() {
    return options;
  }

  /** Adds the HTTP/2 handlers at the end of {@code p}, after TLS. */
  public void configure(ChannelPipeline p) {
    TierDispatch dispatch = dispatches.get();
    p.addLast("idle", new IdleTimeout(server.idleTimeout(), dispatch::awaitingTier));
    p.addLast("h2", codec());
    p.addLast(
        "h2-streams",
        new Http2MultiplexHandler(
            new ChannelInitializer<Channel>() {
              @Override
              protected void initChannel(Channel stream) {
                ChannelPipeline sp = stream.pipeline();
                sp.addLast("codec", new Http2StreamFrameToHttpObjectCodec(true));
                sp.addLast(
                    "validator",
                    new RequestHeadValidator(Protocol.HTTP_2, dispatch.answersPreflight()));
                sp.addLast("handler", new StreamRequestHandler(dispatch, Protocol.HTTP_2));
              }
            }));
    p.addLast("h2-drain", new Drain());
  }

  private Http2FrameCodec codec() {
    Http2Settings settings =
        Http2Settings.defaultSettings()
            .maxConcurrentStreams(options.maxConcurrentStreams())
            .maxHeaderListSize(options.maxHeaderListSize())
            .initialWindowSize(options.initialWindowSize());
    // No SETTINGS_ENABLE_PUSH: only clients send it (RFC 9113 section 6.5.2); the server never
    // pushes.
    return new ServerCodecBuilder()
        .initialSettings(settings)
        .decoderEnforceMaxRstFramesPerWindow(
            options.maxResets(), (int) options.resetWindow().toSeconds())
        .encoderEnforceMaxQueuedControlFrames(options.maxQueuedControlFrames())
        .gracefulShutdownTimeoutMillis(-1) // open streams finish; the drain's grace bounds them
        .validateHeaders(true)
        .build();
  }

  /**
   * Netty's server codec builder, on a connection whose flow controller hands each stream with
   * bytes to send up to a whole DATA frame per turn ({@link #DATA_QUANTUM}).
   */
  private static final class ServerCodecBuilder extends Http2FrameCodecBuilder {
    ServerCodecBuilder() {
      Http2Connection connection = new DefaultHttp2Connection(true);
      UniformStreamByteDistributor distributor = new UniformStreamByteDistributor(connection);
      distributor.minAllocationChunk(DATA_QUANTUM);
      connection
          .remote()
          .flowController(new DefaultHttp2RemoteFlowController(connection, distributor));
      connection(connection);
    }
  }

  /** Turns DRAIN into the codec's graceful close (GOAWAY first); ends the pipeline's errors. */
  private static final class Drain extends ChannelInboundHandlerAdapter {
    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (evt == ServerConnections.DRAIN) {
        ctx.close();
        return;
      }
      super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("h2 connection error: {}", cause.toString());
      if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) == null) {
        ctx.close();
      }
      // else the codec, which passed it on, is already ending the connection with a GOAWAY that
      // names the error (ENHANCE_YOUR_CALM for a flood): a close from here would send NO_ERROR
      // first
    }
  }
}
