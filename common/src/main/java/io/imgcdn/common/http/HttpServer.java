package io.imgcdn.common.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A serving port: the listener, the shared pipeline with its limits, and a graceful shutdown that
 * stops accepting, lets in-flight requests finish, then closes what is left.
 */
public final class HttpServer implements AutoCloseable {
  private final Channel listener;
  private final ServerConnections connections;

  private HttpServer(Channel listener, ServerConnections connections) {
    this.listener = listener;
    this.connections = connections;
  }

  /**
   * Listens on {@code host:port} (0: an ephemeral port) with the pipeline of {@link
   * ServerInitializer}; {@code handlers} makes one handler per connection.
   */
  public static HttpServer bind(
      EventLoopGroup boss,
      EventLoopGroup workers,
      String host,
      int port,
      ServerOptions options,
      Supplier<ObjectServerHandler> handlers) {
    return bind(boss, workers, host, port, options, null, handlers);
  }

  /** {@link #bind} with a handler from {@code tls} first on each connection (HTTPS); null: none. */
  public static HttpServer bind(
      EventLoopGroup boss,
      EventLoopGroup workers,
      String host,
      int port,
      ServerOptions options,
      @Nullable Supplier<? extends ChannelHandler> tls,
      Supplier<ObjectServerHandler> handlers) {
    return bind(boss, workers, host, port, options, tls, handlers, null);
  }

  /**
   * {@link #bind} with TLS from {@code tls} and, when {@code http2} is not null, HTTP/2 for the
   * clients that choose h2 in ALPN (the TLS handler must offer it).
   */
  public static HttpServer bind(
      EventLoopGroup boss,
      EventLoopGroup workers,
      String host,
      int port,
      ServerOptions options,
      @Nullable Supplier<? extends ChannelHandler> tls,
      Supplier<ObjectServerHandler> handlers,
      @Nullable Http2Pipeline http2) {
    ServerConnections connections = new ServerConnections(options.maxConnections());
    Channel listener =
        HttpServers.bind(
            boss,
            workers,
            host,
            port,
            new ServerInitializer(handlers, options, connections).tls(tls).http2(http2));
    return new HttpServer(listener, connections);
  }

  public int port() {
    return HttpServers.port(listener);
  }

  public ServerConnections connections() {
    return connections;
  }

  /**
   * The node is going away soon: keeps accepting and serving, but each connection's next response
   * closes it (HTTP/2: GOAWAY) and health probes answer 503 draining ({@link
   * ServerConnections#retire}).
   */
  public void retire() {
    connections.retire();
  }

  /**
   * Stops accepting, lets every connection finish the requests it has read (each closes after its
   * last response) for up to {@code grace}, then closes the rest. Returns whether all finished in
   * time.
   */
  public boolean shutdownGracefully(Duration grace) {
    listener.close().syncUninterruptibly();
    return connections.drain(grace);
  }

  /** {@link #shutdownGracefully} with a grace of 5 seconds. */
  @Override
  public void close() {
    shutdownGracefully(Duration.ofSeconds(5));
  }
}
