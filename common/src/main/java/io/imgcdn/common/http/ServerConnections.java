package io.imgcdn.common.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * The open connections of one serving port: caps their number, and drains them for a graceful
 * shutdown.
 */
public final class ServerConnections {
  /*
   * The cap is checked when a connection becomes active: over it, the connection gets a canned 503 with
   * Retry-After and is closed before any request is read (nginx instead leaves it in the accept backlog;
   * an answer lets a load balancer or browser retry elsewhere at once). Admitted connections join a
   * ChannelGroup, which forgets them when they close, so drain() reaches every open one.
   * Draining: each connection is told (a user event on its own event loop) to finish the requests it has
   * already read and then close; one that is idle closes at once. Connections accepted in the instant
   * before the listener closed see the draining flag on their first request and close after it.
   * Retiring (before draining, while the listener still accepts): the node's next process is taking over
   * the port (ReusePort) or its callers are being told it restarts. Each connection answers its next
   * request with Connection: close (HTTP/2: GOAWAY) and stays open until then, so a client is never cut
   * between two requests while keep-alive connections move off; health probes answer 503 "draining".
   */

  /** The user event that tells a connection to finish its in-flight requests and close. */
  public static final Object DRAIN =
      new Object() {
        @Override
        public String toString() {
          return "DRAIN";
        }
      };

  /**
   * The user event that tells a connection the node is retiring: its next response closes it
   * (HTTP/2: GOAWAY now), an idle one stays open until then; health probes answer 503 draining.
   */
  public static final Object RETIRE =
      new Object() {
        @Override
        public String toString() {
          return "RETIRE";
        }
      };

  private static final String OVERLOADED_TEXT = "too many connections, retry\n";
  private static final byte[] OVERLOADED =
      ("HTTP/1.1 503 Service Unavailable\r\n"
              + "Content-Type: text/plain; charset=utf-8\r\nContent-Length: "
              + OVERLOADED_TEXT.length()
              + "\r\n"
              + "Retry-After: 1\r\nConnection: close\r\n\r\n"
              + OVERLOADED_TEXT)
          .getBytes(StandardCharsets.US_ASCII);

  private final int max;
  private final AtomicInteger open = new AtomicInteger();
  private final LongAdder refused = new LongAdder();
  private final ChannelGroup channels =
      new DefaultChannelGroup("serving", GlobalEventExecutor.INSTANCE);
  private volatile boolean retiring;
  private volatile boolean draining;
  private volatile boolean announced;

  public ServerConnections(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("max: " + max + " (expected: >= 1)");
    }
    this.max = max;
  }

  /** Open connections now. */
  public int open() {
    return open.get();
  }

  /** Connections refused because the cap was reached, since start. */
  public long refused() {
    return refused.sum();
  }

  public boolean draining() {
    return draining;
  }

  /** Whether {@link #retire} was called: the node is going away soon. */
  public boolean retiring() {
    return retiring;
  }

  /**
   * Tells every open connection, and every one accepted from now on, that the node is retiring: its
   * next response closes it. Does not wait.
   */
  public void retire() {
    retiring = true;
    for (Channel ch : channels) {
      ch.eventLoop().execute(() -> ch.pipeline().fireUserEventTriggered(RETIRE));
    }
  }

  /** Whether every connection open when drain() began has been told to finish and close. */
  public boolean drainAnnounced() {
    return announced;
  }

  /** A new handler for one connection; goes first in its pipeline. */
  ChannelInboundHandlerAdapter newLimitHandler() {
    return new LimitHandler();
  }

  /**
   * Tells every open connection to finish what it has read and close, then waits up to {@code
   * grace} for them; closes the rest. Returns whether all finished in time.
   */
  public boolean drain(Duration grace) {
    draining = true;
    java.util.List<io.netty.util.concurrent.Future<?>> told = new java.util.ArrayList<>();
    for (Channel ch : channels) {
      told.add(ch.eventLoop().submit(() -> ch.pipeline().fireUserEventTriggered(DRAIN)));
    }
    for (io.netty.util.concurrent.Future<?> f : told) {
      f.awaitUninterruptibly(1, TimeUnit.SECONDS); // every connection knows before we start waiting
    }
    announced = true;
    boolean clean;
    try {
      clean = channels.newCloseFuture().await(grace.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      clean = false;
    }
    if (!clean) {
      channels.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    }
    return clean;
  }

  private final class LimitHandler extends ChannelInboundHandlerAdapter {
    private boolean refusing;

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
      if (open.incrementAndGet() > max || draining) {
        open.decrementAndGet();
        refused.increment();
        refusing = true;
        ctx.channel().config().setAutoRead(false);
        ByteBuf answer = Unpooled.wrappedBuffer(OVERLOADED);
        ctx.writeAndFlush(answer).addListener(ChannelFutureListener.CLOSE);
        return;
      }
      ctx.channel().closeFuture().addListener(f -> open.decrementAndGet());
      channels.add(ctx.channel());
      ctx.pipeline().remove(this);
      ctx.fireChannelActive();
      if (retiring) {
        // retire() may have walked the group before this channel joined it.
        ctx.pipeline().fireUserEventTriggered(RETIRE);
      }
      if (draining) {
        // drain() may have walked the group before this channel joined it.
        ctx.pipeline().fireUserEventTriggered(DRAIN);
      }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (refusing) {
        ReferenceCountUtil.release(msg);
        return;
      }
      ctx.fireChannelRead(msg);
    }
  }
}
