package io.imgcdn.common.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for a TLS connection's handshake, then puts in place the pipeline of the protocol ALPN
 * chose (RFC 7301): HTTP/2 for "h2", HTTP/1.1 for "http/1.1" and for a client that named none. Goes
 * right after the TLS handler, and removes itself.
 */
final class ProtocolNegotiation extends ApplicationProtocolNegotiationHandler {
  /*
   * Bytes read before the handshake completes (none should be: a client sends its request after its
   * Finished) are buffered by the superclass and replayed to the new pipeline. A drain that arrives
   * during the handshake closes the connection: it has no request yet, like an idle one.
   */
  private static final Logger LOG = LoggerFactory.getLogger(ProtocolNegotiation.class);

  private final Consumer<ChannelHandlerContext> http1;
  private final Http2Pipeline http2;

  ProtocolNegotiation(Consumer<ChannelHandlerContext> http1, Http2Pipeline http2) {
    super(ApplicationProtocolNames.HTTP_1_1);
    this.http1 = http1;
    this.http2 = http2;
  }

  @Override
  protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
    if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
      http2.configure(ctx.pipeline());
    } else if (ApplicationProtocolNames.HTTP_1_1.equals(protocol)) {
      http1.accept(ctx);
    } else {
      throw new IllegalStateException("ALPN chose " + protocol + " (expected: h2 or http/1.1)");
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt == ServerConnections.DRAIN) {
      ctx.close();
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("TLS handshake failed: {}", cause.toString());
    ctx.close();
  }
}
