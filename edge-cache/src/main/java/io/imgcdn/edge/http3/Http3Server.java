package io.imgcdn.edge.http3;

import io.imgcdn.common.http.Protocol;
import io.imgcdn.common.http.RequestHeadValidator;
import io.imgcdn.common.http.ServerConnections;
import io.imgcdn.common.http.StreamRequestHandler;
import io.imgcdn.common.http.TierDispatch;
import io.imgcdn.common.http.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.handler.codec.http3.DefaultHttp3SettingsFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3FrameToHttpObjectCodec;
import io.netty.handler.codec.http3.Http3ServerConnectionHandler;
import io.netty.handler.codec.http3.Http3Settings;
import io.netty.handler.codec.quic.Quic;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicCodecDispatcher;
import io.netty.handler.codec.quic.QuicConnectionIdGenerator;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicTokenHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge's HTTP/3 port: a UDP socket on the HTTPS port's number, Netty's QUIC codec (quiche) with
 * the certificates in service, and per connection Netty's HTTP/3 connection handler, whose request
 * streams each answer one request with {@link StreamRequestHandler} after the HTTP/3 codec and a
 * {@link RequestHeadValidator} for HTTP/3, all the connection's streams sharing one {@link
 * TierDispatch}, as on HTTP/2.
 */
public final class Http3Server implements AutoCloseable {
  /*
   * Limits (Http3Options): the transport parameters cap the request streams a client may have open
   * (initial_max_streams_bidi: quiche gives a client a new stream credit only as one of its streams
   * ends, so a client cannot open more; nothing to refuse), what it may send per stream and per
   * connection, and the idle timeout; SETTINGS_MAX_FIELD_SECTION_SIZE caps a header section and the
   * QPACK dynamic table is off. Amplification: quiche sends at most three times what an unvalidated
   * client address sent (RFC 9000 section 8), so there is no Retry round trip (NO_RETRY).
   *
   * Certificates: each new connection gets an engine from the context in service (EdgeTls.quic()), so
   * a reload reaches new connections and never drops one.
   *
   * Drain: stop taking connections (a new one is told GOAWAY at once and closed when idle), tell every
   * open one DRAIN (Http3Connection: GOAWAY, finish, close), wait up to the grace, close the rest and
   * then the socket (closing the socket first would cut every connection).
   *
   * Event loops: on epoll, one SO_REUSEPORT socket per loop of the group, behind Netty's
   * QuicCodecDispatcher (a packet goes to the codec whose connection ids it carries), so connections
   * spread over the loops as TCP ones do; on NIO one socket, so one loop carries every connection.
   */
  private static final Logger LOG = LoggerFactory.getLogger(Http3Server.class);

  /** No Retry packets, no address validation tokens: quiche's amplification limit is enough. */
  private static final QuicTokenHandler NO_RETRY =
      new QuicTokenHandler() {
        @Override
        public boolean writeToken(ByteBuf out, ByteBuf dcid, InetSocketAddress address) {
          return false;
        }

        @Override
        public int validateToken(ByteBuf token, InetSocketAddress address) {
          return 0;
        }

        @Override
        public int maxTokenLength() {
          return 0;
        }
      };

  private final Http3Options options;
  private final Supplier<TierDispatch> dispatches;
  private final ChannelGroup connections =
      new DefaultChannelGroup("h3", GlobalEventExecutor.INSTANCE);
  private final List<Channel> sockets = new ArrayList<>();
  private volatile boolean draining;

  private Http3Server(Http3Options options, Supplier<TierDispatch> dispatches) {
    this.options = options;
    this.dispatches = dispatches;
  }

  /**
   * Whether QUIC can run here (quiche's native library for this platform loads); when not, says why
   * in one log line.
   */
  public static boolean available() {
    if (Quic.isAvailable()) {
      return true;
    }
    LOG.warn("HTTP/3 off: QUIC cannot load here ({})", String.valueOf(Quic.unavailabilityCause()));
    return false;
  }

  /**
   * Listens on UDP {@code host:port} (the HTTPS port's number); {@code tls} answers the QUIC TLS
   * context for each new connection, {@code dispatches} makes each connection's dispatch.
   */
  public static Http3Server bind(
      EventLoopGroup group,
      String host,
      int port,
      Http3Options options,
      Supplier<QuicSslContext> tls,
      Supplier<TierDispatch> dispatches) {
    Http3Server server = new Http3Server(options, dispatches);
    QuicServerCodecBuilder codec =
        Http3.newQuicServerCodecBuilder()
            .sslEngineProvider(quic -> tls.get().newEngine(quic.alloc()))
            .maxIdleTimeout(options.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
            .initialMaxData(options.initialMaxData())
            .initialMaxStreamDataBidirectionalRemote(options.initialMaxStreamData())
            .initialMaxStreamsBidirectional(options.maxConcurrentStreams())
            .tokenHandler(NO_RETRY)
            .handler(
                new ChannelInitializer<QuicChannel>() {
                  @Override
                  protected void initChannel(QuicChannel quic) {
                    server.connection(quic);
                  }
                });
    try {
      if (Transports.name().equals("epoll")) {
        // One SO_REUSEPORT socket per event loop; the kernel spreads new connections by address,
        // and the dispatcher hands a packet to the socket whose codec owns its connection id.
        QuicCodecDispatcher dispatcher =
            new QuicCodecDispatcher() {
              @Override
              protected void initChannel(
                  Channel socket, int idLength, QuicConnectionIdGenerator ids) {
                socket
                    .pipeline()
                    .addLast(
                        codec
                            .clone()
                            .localConnectionIdLength(idLength)
                            .connectionIdAddressGenerator(ids)
                            .build());
              }
            };
        Bootstrap bootstrap =
            new Bootstrap()
                .group(group)
                .channel(EpollDatagramChannel.class)
                .option(UnixChannelOption.SO_REUSEPORT, true)
                .handler(dispatcher);
        long loops = java.util.stream.StreamSupport.stream(group.spliterator(), false).count();
        for (long i = 0; i < loops; i++) {
          server.sockets.add(bootstrap.bind(host, port).syncUninterruptibly().channel());
        }
      } else {
        server.sockets.add(
            new Bootstrap()
                .group(group)
                .channel(NioDatagramChannel.class)
                .handler(codec.build())
                .bind(host, port)
                .syncUninterruptibly()
                .channel());
      }
    } catch (Exception e) {
      for (Channel socket : server.sockets) {
        socket.close().syncUninterruptibly();
      }
      throw new IllegalStateException(
          "cannot listen on udp " + host + ":" + port + " (HTTP/3): " + e.getMessage(), e);
    }
    return server;
  }

  /** Puts the HTTP/3 handlers on a new QUIC connection. */
  private void connection(QuicChannel quic) {
    TierDispatch dispatch = dispatches.get();
    Http3Connection connection = new Http3Connection();
    Http3Settings settings =
        new Http3Settings()
            .maxFieldSectionSize(options.maxHeaderListSize())
            .qpackMaxTableCapacity(0);
    ChannelPipeline p = quic.pipeline();
    p.addLast("h3-connection", connection);
    p.addLast(
        "h3",
        new Http3ServerConnectionHandler(
            new ChannelInitializer<QuicStreamChannel>() {
              @Override
              protected void initChannel(QuicStreamChannel stream) {
                if (!connection.streamOpened(stream)) {
                  return;
                }
                ChannelPipeline sp = stream.pipeline();
                sp.addLast("codec", new Http3FrameToHttpObjectCodec(true));
                sp.addLast("framing", RequestFraming.INSTANCE);
                sp.addLast(
                    "validator",
                    new RequestHeadValidator(Protocol.HTTP_3, dispatch.answersPreflight()));
                sp.addLast("handler", new StreamRequestHandler(dispatch, Protocol.HTTP_3));
              }
            },
            null,
            null,
            new DefaultHttp3SettingsFrame(settings),
            true));
    connections.add(quic);
    if (draining) {
      // drain() may have walked the group before this connection joined it.
      quic.eventLoop()
          .execute(() -> quic.pipeline().fireUserEventTriggered(ServerConnections.DRAIN));
    }
  }

  /** The UDP port. */
  public int port() {
    return ((InetSocketAddress) sockets.get(0).localAddress()).getPort();
  }

  /** Open QUIC connections now. */
  public int open() {
    return connections.size();
  }

  /**
   * Tells every connection to finish the requests it took (GOAWAY) and close, waits up to {@code
   * grace}, closes the rest, then the socket. Returns whether all finished in time.
   */
  public boolean shutdownGracefully(Duration grace) {
    draining = true;
    List<Future<?>> told = new ArrayList<>();
    for (Channel ch : connections) {
      told.add(
          ch.eventLoop()
              .submit(() -> ch.pipeline().fireUserEventTriggered(ServerConnections.DRAIN)));
    }
    for (Future<?> f : told) {
      f.awaitUninterruptibly(1, TimeUnit.SECONDS);
    }
    boolean clean;
    try {
      clean = connections.newCloseFuture().await(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      clean = false;
    }
    if (!clean) {
      connections.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    }
    for (Channel socket : sockets) {
      socket.close().syncUninterruptibly();
    }
    return clean;
  }

  /** {@link #shutdownGracefully} with a grace of 5 seconds. */
  @Override
  public void close() {
    shutdownGracefully(Duration.ofSeconds(5));
  }
}
