package io.imgcdn.common.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.net.SocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * The end of an HTTP/2 or HTTP/3 stream's pipeline: the stream carries one request, which {@link
 * TierDispatch} answers, and its response goes back on the same stream. Goes in the stream's child
 * channel (of Netty's {@code Http2MultiplexHandler}, or of its HTTP/3 codec) after the codec that
 * turns the stream's frames into {@code HttpObject}s ({@code Http2StreamFrameToHttpObjectCodec},
 * {@code Http3FrameToHttpObjectCodec}) and a {@link RequestHeadValidator} for the protocol.
 */
public final class StreamRequestHandler extends ChannelInboundHandlerAdapter {
  /*
   * What ObjectServerHandler does for HTTP/1.1 and this one need not: streams are channels of their own,
   * so responses leave as they complete with no queue to order them; the connection outlives every
   * stream, so there is no keep-alive to decide; flow control is per stream, seen as this channel's
   * writability. The connection's own handlers (idle timeout, drain) live in the parent channel. A
   * request body is refused by the validator, and its frames are dropped here.
   */
  /**
   * The client's address, set by the protocol on a stream's parent channel when the parent's own
   * remote address is not it (a QUIC connection's is a connection id): what access logs show.
   */
  public static final AttributeKey<SocketAddress> CLIENT_ADDRESS =
      AttributeKey.valueOf("imgcdn.client-address");

  private final TierDispatch dispatch;
  private final Protocol protocol;
  private @Nullable Stream stream;

  /**
   * @param dispatch the connection's dispatch, shared by all its streams
   * @param protocol {@link Protocol#HTTP_2} or {@link Protocol#HTTP_3}
   */
  public StreamRequestHandler(TierDispatch dispatch, Protocol protocol) {
    if (protocol == Protocol.HTTP_1_1) {
      throw new IllegalArgumentException(
          "protocol: "
              + protocol
              + " (expected: HTTP_2 or HTTP_3; HTTP/1.1 has ObjectServerHandler)");
    }
    this.dispatch = dispatch;
    this.protocol = protocol;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof HttpRequest request && stream == null) {
        Stream s = new Stream(ctx, request);
        stream = s;
        dispatch.dispatch(request, s);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (stream != null && ctx.channel().isWritable()) {
      stream.runWritableTask();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    Stream s = stream;
    if (s != null && !s.gone) {
      s.gone = true; // reset by the client, or the connection closed
      s.runWritableTask();
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close(); // resets the stream, not the connection
  }

  /** The stream's one exchange. */
  private final class Stream extends Exchange {
    private boolean writing;

    Stream(ChannelHandlerContext ctx, HttpRequest request) {
      super(ctx, request, protocol.version(), System.nanoTime());
    }

    @Override
    public Protocol protocol() {
      return protocol;
    }

    @Override
    public boolean keepAlive() {
      return true;
    }

    @Override
    SocketAddress remoteAddress() {
      Channel parent = ctx.channel().parent();
      SocketAddress client = parent == null ? null : parent.attr(CLIENT_ADDRESS).get();
      return client != null ? client : super.remoteAddress();
    }

    @Override
    public ResponseChannel.@Nullable Http1Wire http1Wire() {
      return null;
    }

    @Override
    void onResponse() {
      writing = true;
      boolean wrote = dispatch.write(this);
      writing = false;
      if (wrote) {
        flush(); // the head, or all of it
      }
    }

    @Override
    void onEnd() {
      dispatch.completed(this);
      if (!writing) {
        flush(); // the last piece of a streamed body
      }
    }

    @Override
    public void abort() {
      cut();
      if (!gone) {
        gone = true;
        ctx.close(); // the stream is reset; the connection stays
      }
    }
  }
}
