package io.imgcdn.common.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Closes a connection that stayed idle for a timeout: nothing read and no response byte moved for
 * the whole time, while it either has no request in flight (an idle keep-alive connection) or has
 * some but the client is not taking their bytes. A request still waiting for its upstream keeps the
 * connection open; the tier's own deadline bounds it.
 *
 * <p>Goes before the protocol's decoder (in the HTTP/1.1 pipeline, after {@link
 * RequestHeadTimeout}), where it sees every read and every flush.
 */
public final class IdleTimeout extends ChannelDuplexHandler {
  /*
   * Cost: nothing per request. Netty's IdleStateHandler adds a listener to every write to learn when it
   * completes, and reads the clock per read; here a read or a flush only sets a flag. A check every
   * quarter of the timeout counts a set flag, and any movement of the outbound buffer since the previous
   * check (IdleStateHandler's observeOutput test: a large response a slow client is still taking), as
   * activity at the time of the check: at most a quarter of the timeout late. So a connection is closed
   * between one and one and a quarter timeouts after its last activity, as it was when reads stamped the
   * time; a busy connection costs four scheduled checks per timeout, whatever its request rate.
   */
  private final long idleNanos;
  private final BooleanSupplier requestsInFlight;
  private @Nullable ChannelHandlerContext ctx; // set in handlerAdded, before any check
  private @Nullable ScheduledFuture<?> check;
  private long lastActivity;
  private boolean active;
  private @Nullable Object lastOutput;
  private long lastOutputProgress;
  private long lastOutputPending;

  /**
   * @param requestsInFlight whether the connection has a request read and its response not yet
   *     written in full (HTTP/1.1: {@link ObjectServerHandler#hasRequestsInFlight()})
   */
  public IdleTimeout(Duration timeout, BooleanSupplier requestsInFlight) {
    if (timeout.isZero() || timeout.isNegative()) {
      throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
    }
    this.idleNanos = timeout.toNanos();
    this.requestsInFlight = requestsInFlight;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    if (ctx.channel().isActive()) {
      start(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    start(ctx);
    ctx.fireChannelActive();
  }

  private void start(ChannelHandlerContext ctx) {
    if (check == null) {
      lastActivity = ctx.executor().ticker().nanoTime();
      check = ctx.executor().schedule(this::check, idleNanos / 4, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    active = true;
    ctx.fireChannelRead(msg);
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    active = true;
    ctx.flush();
  }

  private void check() {
    check = null;
    ChannelHandlerContext ctx = this.ctx;
    if (ctx == null || !ctx.channel().isActive()) {
      return;
    }
    long now = ctx.executor().ticker().nanoTime();
    ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
    long pending = out == null ? 0 : out.totalPendingWriteBytes();
    if (out != null) {
      Object current = out.current();
      long progress = out.currentProgress();
      if (current != lastOutput || progress != lastOutputProgress || pending != lastOutputPending) {
        lastOutput = current;
        lastOutputProgress = progress;
        lastOutputPending = pending;
        active = true;
      }
    }
    if (active) {
      active = false;
      lastActivity = now;
    }
    long left = lastActivity + idleNanos - now;
    if (left <= 0 && (pending > 0 || !requestsInFlight.getAsBoolean())) {
      ctx.close();
      return;
    }
    long next = left > 0 ? Math.min(left, idleNanos / 4) : idleNanos / 4;
    check = ctx.executor().schedule(this::check, next, TimeUnit.NANOSECONDS);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (check != null) {
      check.cancel(false);
      check = null;
    }
    ctx.fireChannelInactive();
  }
}
