package io.imgcdn.common.http;

import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The serving pipeline of every tier: codec with request-line and header limits, an idle timeout, a tiny
 * aggregator (GET and HEAD carry no body), then the tier's {@link ObjectServerHandler}.
 */
public final class ServerInitializer extends ChannelInitializer<SocketChannel> {
  /** Longest request line accepted; longer ones get 414. */
  public static final int MAX_INITIAL_LINE = 8192;
  /** Largest header block accepted; larger ones get 431. */
  public static final int MAX_HEADER_SIZE = 16384;
  /** Largest request body accepted (GET/HEAD have none); larger ones get 413. */
  public static final int MAX_CONTENT = 8192;

  private final Supplier<ObjectServerHandler> handlers;
  private final Duration idleTimeout;

  public ServerInitializer(Supplier<ObjectServerHandler> handlers, Duration idleTimeout) {
    this.handlers = handlers;
    this.idleTimeout = idleTimeout;
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    ChannelPipeline p = ch.pipeline();
    p.addLast("idle", new IdleStateHandler(0, 0, idleTimeout.toMillis(), TimeUnit.MILLISECONDS));
    p.addLast("codec", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_SIZE, 8192));
    p.addLast("aggregator", new HttpObjectAggregator(MAX_CONTENT));
    p.addLast("handler", handlers.get());
  }
}
