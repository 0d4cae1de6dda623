package io.imgcdn.common.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpResponseEncoder;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The serving pipeline of every tier, one handler per job. HTTP/1.1, in this order: the connection
 * cap (optional), TLS (optional), the request-head timeout, the idle timeout, the HTTP/1.1 decoder
 * (request-line and header limits) and encoder, the request-head validator, then the tier's {@link
 * ObjectServerHandler} (responses in request order, keep-alive, backpressure, drain). On TLS with
 * {@link #http2} set, ALPN decides between that and {@link Http2Pipeline}.
 */
public final class ServerInitializer extends ChannelInitializer<Channel> {
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
  private final @Nullable ServerConnections connections;
  private @Nullable Supplier<? extends ChannelHandler> tls;
  private @Nullable Http2Pipeline http2;

  /**
   * The pipeline with these limits; {@code connections} (may be null) caps and tracks connections.
   */
  public ServerInitializer(
      Supplier<ObjectServerHandler> handlers,
      ServerOptions options,
      @Nullable ServerConnections connections) {
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

  /**
   * With TLS, also serves HTTP/2 to clients that choose h2 in ALPN (the TLS handler must offer it);
   * clients choosing http/1.1, or nothing, get the HTTP/1.1 pipeline. Null: HTTP/1.1 only.
   */
  public ServerInitializer http2(@Nullable Http2Pipeline http2) {
    this.http2 = http2;
    return this;
  }

  @Override
  protected void initChannel(Channel ch) {
    ChannelPipeline p = ch.pipeline();
    if (connections != null) {
      p.addLast("limit", connections.newLimitHandler());
    }
    if (tls != null) {
      p.addLast("tls", tls.get());
      if (http2 != null) {
        // The protocol is known once the handshake is done (ALPN).
        p.addLast("alpn", new ProtocolNegotiation(ctx -> http1(ctx.pipeline()), http2));
        return;
      }
    }
    http1(p);
  }

  /** Adds the HTTP/1.1 handlers at the end of {@code p}. */
  private void http1(ChannelPipeline p) {
    ObjectServerHandler handler = handlers.get();
    p.addLast("head-timeout", new RequestHeadTimeout(options.requestHeadTimeout().toNanos()));
    p.addLast("idle", new IdleTimeout(options.idleTimeout(), handler::hasRequestsInFlight));
    p.addLast("decoder", new RequestDecoder(MAX_INITIAL_LINE, MAX_HEADER_SIZE, 8192));
    p.addLast(ENCODER, new HttpResponseEncoder());
    p.addLast(
        "validator",
        new RequestHeadValidator(
            Protocol.HTTP_1_1, handler.answersPreflight(), handler.extraMethod()));
    p.addLast("handler", handler);
  }
}
