package io.imgcdn.edge.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.handler.ssl.SniHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.Mapping;
import java.time.Duration;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.jspecify.annotations.Nullable;

/**
 * Makes the first handler of every HTTPS connection: it reads the ClientHello, looks up the context
 * for the server name in it, and replaces itself with an SslHandler of that context. Goes before
 * the HTTP decoder, so everything after it reads and writes cleartext.
 */
final class TlsConnections implements Supplier<ChannelHandler> {
  /*
   * The context is looked up per connection, when its ClientHello arrives: a reload that publishes new
   * contexts is seen by the next connection, and a connection keeps the context (certificate, engine) it
   * started with until it closes. A client that connects and does not finish its ClientHello, or then
   * its handshake, within the handshake timeout is closed (slowloris before TLS); a ClientHello larger
   * than MAX_CLIENT_HELLO is refused, so a connection cannot make the server buffer more.
   */

  /** Largest ClientHello read; a modern one with a post-quantum key share is under 2 KB. */
  static final int MAX_CLIENT_HELLO = 16 * 1024;

  private final Mapping<@Nullable String, SslContext> contexts;
  private final long handshakeTimeoutMillis;

  TlsConnections(Mapping<@Nullable String, SslContext> contexts, Duration handshakeTimeout) {
    this.contexts = contexts;
    this.handshakeTimeoutMillis = handshakeTimeout.toMillis();
  }

  @Override
  public ChannelHandler get() {
    return new ServerNameHandler(contexts, handshakeTimeoutMillis);
  }

  private static final class ServerNameHandler extends SniHandler {
    ServerNameHandler(Mapping<@Nullable String, SslContext> contexts, long handshakeTimeoutMillis) {
      super(contexts, MAX_CLIENT_HELLO, handshakeTimeoutMillis);
    }

    @Override
    protected SslHandler newSslHandler(SslContext context, ByteBufAllocator allocator) {
      SslHandler handler = super.newSslHandler(context, allocator);
      handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
      SSLEngine engine = handler.engine();
      if (!(engine instanceof io.netty.handler.ssl.ReferenceCountedOpenSslEngine)) {
        // The JDK's engine picks by the client's order unless told (BoringSSL is told by Netty).
        SSLParameters parameters = engine.getSSLParameters();
        parameters.setUseCipherSuitesOrder(true);
        engine.setSSLParameters(parameters);
      }
      return handler;
    }
  }
}
