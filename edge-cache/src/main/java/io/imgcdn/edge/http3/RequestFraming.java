package io.imgcdn.edge.http3;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;

/**
 * Takes off the {@code Transfer-Encoding: chunked} that Netty's HTTP/3 codec adds to every request
 * head without Content-Length (it cannot know yet whether DATA frames follow), so that the request
 * validator does not take every GET for one with a body. Goes right after the codec.
 */
@ChannelHandler.Sharable
final class RequestFraming extends ChannelInboundHandlerAdapter {
  /*
   * Safe because HTTP/3 has no Transfer-Encoding of its own: a client that sends one sends a malformed
   * request (RFC 9114 section 4.2), which the codec's header validation refuses before this point. A
   * request that announces a body with Content-Length is still refused by the validator; DATA frames
   * sent without one are dropped unread by StreamRequestHandler, as on HTTP/2.
   */
  static final RequestFraming INSTANCE = new RequestFraming();

  private RequestFraming() {}

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request) {
      request.headers().remove(HttpHeaderNames.TRANSFER_ENCODING);
    }
    ctx.fireChannelRead(msg);
  }
}
