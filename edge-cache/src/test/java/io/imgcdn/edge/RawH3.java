package io.imgcdn.edge;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.handler.codec.http3.DefaultHttp3HeadersFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ClientConnectionHandler;
import io.netty.handler.codec.http3.Http3DataFrame;
import io.netty.handler.codec.http3.Http3GoAwayFrame;
import io.netty.handler.codec.http3.Http3HeadersFrame;
import io.netty.handler.codec.http3.Http3RequestStreamInboundHandler;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Netty's HTTP/3 client on one QUIC connection, for tests: requests as header frames on streams of
 * their own, answers collected whole (status, headers, body), GOAWAY frames from the server
 * recorded.
 */
final class RawH3 implements AutoCloseable {
  /** One answer: the status, its headers (names lower case) and body. */
  record Answer(int status, Map<String, String> headers, byte[] body) {}

  final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  final Channel udp;
  final QuicChannel quic;
  final int port;

  /** The ids of the GOAWAY frames received, in order. */
  final java.util.List<Long> goAways = new java.util.concurrent.CopyOnWriteArrayList<>();

  RawH3(int port, X509Certificate trusted) throws Exception {
    this.port = port;
    QuicSslContext tls =
        QuicSslContextBuilder.forClient()
            .trustManager(trusted)
            .endpointIdentificationAlgorithm(null) // the certificate is for 127.0.0.1; no host name
            .applicationProtocols(Http3.supportedApplicationProtocols())
            .build();
    udp =
        new Bootstrap()
            .group(group)
            .channel(NioDatagramChannel.class)
            .handler(
                Http3.newQuicClientCodecBuilder()
                    .sslContext(tls)
                    .maxIdleTimeout(30, TimeUnit.SECONDS)
                    .initialMaxData(64 << 20)
                    .initialMaxStreamDataBidirectionalLocal(4 << 20)
                    .build())
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
    ChannelInboundHandlerAdapter control =
        new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof Http3GoAwayFrame goAway) {
              goAways.add(goAway.id());
            }
            ReferenceCountUtil.release(msg);
          }
        };
    try {
      quic =
          QuicChannel.newBootstrap(udp)
              .handler(new Http3ClientConnectionHandler(control, null, null, null, true))
              .remoteAddress(new InetSocketAddress("127.0.0.1", port))
              .connect()
              .get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      udp.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
      throw e;
    }
  }

  /** Sends a request (headers "name", "value", ...) and completes with its whole answer. */
  CompletableFuture<Answer> send(String method, String path, String... headers) {
    CompletableFuture<Answer> done = new CompletableFuture<>();
    open(method, path, true, done, headers);
    return done;
  }

  /** The answer to a GET or HEAD, within 20 s. */
  Answer get(String method, String path, String... headers) throws Exception {
    return send(method, path, headers).get(20, TimeUnit.SECONDS);
  }

  /**
   * Opens a request stream and sends the head; {@code fin}: ends the stream's request side too.
   * Completes {@code done} with the answer, or exceptionally when the stream is reset; null when
   * the stream could not be opened ({@code done} says why).
   */
  @org.jspecify.annotations.Nullable
  QuicStreamChannel open(
      String method, String path, boolean fin, CompletableFuture<Answer> done, String... headers) {
    Http3RequestStreamInboundHandler reader =
        new Http3RequestStreamInboundHandler() {
          int status;
          final Map<String, String> head = new TreeMap<>();
          final ByteArrayOutputStream body = new ByteArrayOutputStream();

          @Override
          protected void channelRead(ChannelHandlerContext ctx, Http3HeadersFrame frame) {
            if (frame.headers().status() != null) {
              status = Integer.parseInt(frame.headers().status().toString());
            }
            frame.headers().forEach(e -> head.put(e.getKey().toString(), e.getValue().toString()));
            ReferenceCountUtil.release(frame);
          }

          @Override
          protected void channelRead(ChannelHandlerContext ctx, Http3DataFrame frame) {
            body.writeBytes(ByteBufUtil.getBytes(frame.content()));
            frame.release();
          }

          @Override
          protected void channelInputClosed(ChannelHandlerContext ctx) {
            done.complete(new Answer(status, head, body.toByteArray()));
            ctx.close();
          }

          @Override
          public void channelInactive(ChannelHandlerContext ctx) {
            done.completeExceptionally(new IllegalStateException("stream closed before its end"));
          }

          @Override
          public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            done.completeExceptionally(cause);
            ctx.close();
          }
        };
    QuicStreamChannel stream;
    try {
      stream = Http3.newRequestStream(quic, reader).get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      done.completeExceptionally(e);
      return null;
    }
    DefaultHttp3HeadersFrame frame = new DefaultHttp3HeadersFrame();
    frame.headers().method(method).path(path).authority("127.0.0.1:" + port).scheme("https");
    for (int i = 0; i + 1 < headers.length; i += 2) {
      frame.headers().add(headers[i], headers[i + 1]);
    }
    if (fin) {
      stream.writeAndFlush(frame).addListener(QuicStreamChannel.SHUTDOWN_OUTPUT);
    } else {
      stream.writeAndFlush(frame);
    }
    return stream;
  }

  @Override
  public void close() {
    quic.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    udp.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
