package io.imgcdn.common.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpResponseEncoder;
import java.time.Duration;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The serving pipeline of every tier: an optional connection cap, a request-head timeout, the
 * HTTP/1.1 decoder (request-line and header limits) and encoder, then the tier's {@link
 * ObjectServerHandler} (which also enforces the idle timeout).
 */
public final class ServerInitializer extends ChannelInitializer<SocketChannel> {
  /*
   * Decoder and encoder are separate handlers rather than one HttpServerCodec: responses that a tier has
   * already encoded (a cache hit whose head was built when it was stored) are written past the encoder,
   * through its context; HttpServerCodec would lose track of which requests were HEAD when a response
   * bypasses it. HEAD bodies are left out by the responses themselves.
   * There is no aggregator: GET and HEAD have no body, and a request announcing one is refused.
   */

  /** Longest request line accepted; longer ones get 414. */
  public static final int MAX_INITIAL_LINE = 8192;

  /** Largest header block accepted; larger ones get 431. */
  public static final int MAX_HEADER_SIZE = 16384;

  /**
   * Name of the response encoder in the pipeline; pre-encoded bytes are written through its
   * context.
   */
  public static final String ENCODER = "encoder";

  private final Supplier<ObjectServerHandler> handlers;
  private final ServerOptions options;
  private final ServerConnections connections;
  private @Nullable Supplier<? extends ChannelHandler> tls;

  /** The pipeline with default limits and this idle timeout, without a connection cap. */
  public ServerInitializer(Supplier<ObjectServerHandler> handlers, Duration idleTimeout) {
    this(handlers, ServerOptions.withIdleTimeout(idleTimeout), null);
  }

  /**
   * The pipeline with these limits; {@code connections} (may be null) caps and tracks connections.
   */
  public ServerInitializer(
      Supplier<ObjectServerHandler> handlers,
      ServerOptions options,
      ServerConnections connections) {
    this.handlers = handlers;
    this.options = options;
    this.connections = connections;
  }

  /**
   * Puts a handler from {@code tls} on every connection, after the connection cap and before
   * everything else (TLS: the rest reads and writes cleartext).
   */
  public ServerInitializer tls(@Nullable Supplier<? extends ChannelHandler> tls) {
    this.tls = tls;
    return this;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    ChannelPipeline p = ch.pipeline();
    if (connections != null) {
      p.addLast("limit", connections.newLimitHandler());
    }
    if (tls != null) {
      p.addLast("tls", tls.get());
    }
    p.addLast("head-timeout", new RequestHeadTimeout(options.requestHeadTimeout().toNanos()));
    p.addLast("decoder", new RequestDecoder(MAX_INITIAL_LINE, MAX_HEADER_SIZE, 8192));
    p.addLast(ENCODER, new HttpResponseEncoder());
    p.addLast("handler", handlers.get().idleTimeout(options.idleTimeout()));
  }
}
