package io.imgcdn.common.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Closes a connection whose client takes longer than a limit to send a request's head, counted from
 * the head's first byte (nginx's client_header_timeout, Apache's mod_reqtimeout). Goes before the
 * HTTP decoder; {@link RequestHeadValidator} calls {@link #headReceived} for each decoded request.
 */
public final class RequestHeadTimeout extends ChannelInboundHandlerAdapter {
  /*
   * An idle timeout alone does not stop slowloris: a client that sends one byte every few seconds is
   * never idle. This timer starts with the first byte read while no head is pending and is cancelled when
   * the decoder has produced the request, so the client has the limit for the whole head however it
   * dribbles it. A read that carries one complete request plus the start of the next arms the timer only
   * at the next read: at worst the limit starts one read late, and the idle timeout still bounds a client
   * that then sends nothing.
   */
  /*
   * Cost: the timer is not rescheduled per request. A read that starts a head records the time; one
   * scheduled check per connection looks at it when due, closes the connection if that head is still
   * incomplete past the limit, re-arms itself for the remainder if a later head is pending, and lapses
   * if none is. A busy keep-alive connection so schedules about one task per limit, not one per request.
   */
  private final long timeoutNanos;
  private @Nullable ChannelHandlerContext ctx; // set in handlerAdded, before any read
  private @Nullable ScheduledFuture<?> timer;
  private boolean headPending;
  private long headStartNanos;

  public RequestHeadTimeout(long timeoutNanos) {
    if (timeoutNanos <= 0) {
      throw new IllegalArgumentException("timeoutNanos: " + timeoutNanos + " (expected: > 0)");
    }
    this.timeoutNanos = timeoutNanos;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!headPending && msg instanceof ByteBuf buf && buf.isReadable()) {
      headPending = true;
      headStartNanos = System.nanoTime();
      if (timer == null) {
        timer = ctx.executor().schedule(this::check, timeoutNanos, TimeUnit.NANOSECONDS);
      }
    }
    ctx.fireChannelRead(msg);
  }

  /** A complete request head was decoded: stop the clock until the next request's first byte. */
  public void headReceived() {
    headPending = false;
  }

  private void check() {
    timer = null;
    ChannelHandlerContext ctx = this.ctx;
    if (ctx == null || !headPending || !ctx.channel().isActive()) {
      return;
    }
    long left = headStartNanos + timeoutNanos - System.nanoTime();
    if (left <= 0) {
      ctx.close();
    } else {
      timer = ctx.executor().schedule(this::check, left, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    headPending = false;
    ScheduledFuture<?> t = timer;
    if (t != null) {
      t.cancel(false);
      timer = null;
    }
    ctx.fireChannelInactive();
  }
}
