package io.imgcdn.edge.http3;

import io.imgcdn.common.http.ServerConnections;
import io.imgcdn.common.http.StreamRequestHandler;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http3.DefaultHttp3GoAwayFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ErrorCode;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One QUIC connection's lifecycle on the edge: counts its open request streams, and on {@link
 * ServerConnections#DRAIN} sends GOAWAY (RFC 9114 section 5.2) naming the first request it will not
 * serve, lets the streams it took finish, then closes with H3_NO_ERROR. Also gives the request
 * streams the client's UDP address for the access log. Goes first in the QUIC channel's pipeline;
 * everything runs on its event loop.
 */
final class Http3Connection extends ChannelInboundHandlerAdapter {
  /*
   * Client-initiated bidirectional stream ids go 0, 4, 8...; the GOAWAY id is the next one after the
   * highest seen, so every request already opened is served, and one opened after the GOAWAY crossed
   * it (id >= goAway) is reset with H3_REQUEST_REJECTED, which tells the client it may retry it
   * elsewhere (section 8.1). A connection drained while idle closes at once.
   */
  private static final Logger LOG = LoggerFactory.getLogger(Http3Connection.class);

  private @Nullable ChannelHandlerContext ctx;
  private int openStreams;
  private long nextStreamId;
  private long goAway = -1;

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    QuicChannel quic = (QuicChannel) ctx.channel();
    quic.attr(StreamRequestHandler.CLIENT_ADDRESS).set(quic.remoteSocketAddress());
    ctx.fireChannelActive();
  }

  /**
   * A request stream the client opened; false when it came after the GOAWAY and was refused (reset)
   * instead.
   */
  boolean streamOpened(QuicStreamChannel stream) {
    if (stream.type() != QuicStreamType.BIDIRECTIONAL || stream.isLocalCreated()) {
      return true; // control and QPACK streams: the codec's business
    }
    long id = stream.streamId();
    if (goAway >= 0 && id >= goAway) {
      stream.shutdown(Http3ErrorCode.H3_REQUEST_REJECTED.code());
      stream.close();
      return false;
    }
    nextStreamId = Math.max(nextStreamId, id + 4);
    openStreams++;
    stream.closeFuture().addListener(f -> streamClosed());
    return true;
  }

  private void streamClosed() {
    openStreams--;
    if (goAway >= 0 && openStreams == 0) {
      closeConnection();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt == ServerConnections.DRAIN) {
      drain();
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  private void drain() {
    if (goAway >= 0 || ctx == null) {
      return;
    }
    goAway = nextStreamId;
    QuicStreamChannel control = Http3.getLocalControlStream(ctx.channel());
    if (control != null) {
      control.writeAndFlush(new DefaultHttp3GoAwayFrame(goAway));
    }
    if (openStreams == 0) {
      closeConnection();
    }
  }

  private void closeConnection() {
    if (ctx != null) {
      ((QuicChannel) ctx.channel())
          .close(true, Http3ErrorCode.H3_NO_ERROR.code(), Unpooled.EMPTY_BUFFER);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("h3 connection error: {}", cause.toString());
    ctx.close();
  }
}
