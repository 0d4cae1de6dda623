package io.imgcdn.common.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;

/**
 * Binds HTTP servers; a failure to bind names the address and the reason. A port may be shared with
 * the node's next process during a restart ({@link ReusePort}).
 */
public final class HttpServers {
  private HttpServers() {}

  public static Channel bind(
      EventLoopGroup boss,
      EventLoopGroup workers,
      String host,
      int port,
      ChannelInitializer<? extends Channel> initializer) {
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(boss, workers)
            .channel(Transports.serverChannel())
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            // Connections' own buffers (each read, encoded heads) from Netty's pooled allocator:
            // one thread-local
            // cache per event loop, about 6% less CPU per 10 KB edge hit than 4.2's default
            // adaptive allocator
            // (bench/results/2026-11-edge-vs-nginx.md, 1c). Cached bodies keep their own
            // allocators.
            .childOption(ChannelOption.ALLOCATOR, PooledByteBufAllocator.DEFAULT)
            .childHandler(initializer);
    ReusePort.share(bootstrap);
    try {
      Channel listener = bootstrap.bind(host, port).syncUninterruptibly().channel();
      ReusePort.steerToNewest(listener);
      return listener;
    } catch (Exception e) {
      throw new IllegalStateException(
          "cannot listen on " + host + ":" + port + ": " + e.getMessage(), e);
    }
  }

  public static int port(Channel serverChannel) {
    return ((InetSocketAddress) serverChannel.localAddress()).getPort();
  }
}
