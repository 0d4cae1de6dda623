package io.imgcdn.common.http;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.net.SocketAddress;
import org.jspecify.annotations.Nullable;

/**
 * One request and the way back for its response, as {@link TierDispatch} and the responses see it
 * on any protocol. A protocol's handler makes one per request and says what happens around the
 * response on its wire: {@link ObjectServerHandler} gives each exchange a place in an HTTP/1.1
 * connection's response order, {@link StreamRequestHandler} an HTTP/2 or HTTP/3 stream of its own.
 * Everything runs on the channel's event loop.
 */
abstract class Exchange implements ResponseChannel {
  /*
   * Writes go to the context of the handler that made the exchange, so they pass every handler before it
   * (the protocol's encoder or frame codec). Once the exchange is gone (its connection or stream closed,
   * or an earlier response on an HTTP/1.1 connection failed), writes are released instead: a response
   * still streaming when the client leaves stops at its next isOpen() check, and its buffers are freed.
   */
  final ChannelHandlerContext ctx;
  private final HttpMethod method;
  private final HttpHeaders headers;
  private final HttpVersion version;
  private final String uri;
  private final long startNanos;
  private @Nullable Response response;
  private long bodyBytes;
  private int sentStatus;
  private boolean ended;

  /** The tier whose policy every head written as an HttpResponse gets; null: none. */
  @Nullable Tier policy;

  /** A health probe ({@link TierDispatch#HEALTH_PATH}): neither counted nor logged. */
  boolean probe;

  private @Nullable Runnable writableTask;

  /** The response will never reach the client: writes are released, the response discarded. */
  boolean gone;

  /**
   * @param version the version the exchange reports (the request's on HTTP/1.1, the protocol's on a
   *     stream)
   * @param startNanos {@link System#nanoTime} when the request was read
   */
  Exchange(ChannelHandlerContext ctx, HttpRequest request, HttpVersion version, long startNanos) {
    this.ctx = ctx;
    this.method = request.method();
    this.headers = request.headers();
    this.version = version;
    this.uri = request.uri();
    this.startNanos = startNanos;
  }

  /**
   * The response is ready (on the event loop, in whatever order responses complete) and held in
   * {@link #response()}: write it now, or when its turn comes.
   */
  abstract void onResponse();

  /** The response has ended (not aborted) and the exchange is not gone: what follows it. */
  abstract void onEnd();

  /**
   * Hands the exchange its response; one that will never be written (the client left first) is
   * discarded so that its memory is freed.
   */
  final void respond(Response r) {
    if (gone || !ctx.channel().isActive()) {
      r.discard();
      return;
    }
    response = r;
    onResponse();
  }

  final boolean hasResponse() {
    return response != null;
  }

  /** The response, once {@link #respond} has set it. */
  final Response response() {
    Response r = response;
    if (r == null) {
      throw new IllegalStateException("no response yet for " + method + " " + uri);
    }
    return r;
  }

  final String uri() {
    return uri;
  }

  final long startNanos() {
    return startNanos;
  }

  final long bodyBytes() {
    return bodyBytes;
  }

  /**
   * The status of the head written through {@link #write}; 0 when none was (a head written
   * pre-encoded: the response's own {@link Response#status()}).
   */
  final int sentStatus() {
    return sentStatus;
  }

  final boolean hasEnded() {
    return ended;
  }

  SocketAddress remoteAddress() {
    return ctx.channel().remoteAddress();
  }

  @Override
  public final HttpMethod method() {
    return method;
  }

  @Override
  public final HttpHeaders requestHeaders() {
    return headers;
  }

  @Override
  public final HttpVersion protocolVersion() {
    return version;
  }

  @Override
  public final ByteBufAllocator alloc() {
    return ctx.alloc();
  }

  @Override
  public final EventLoop eventLoop() {
    return ctx.channel().eventLoop();
  }

  @Override
  public final void write(Object httpObject) {
    if (httpObject instanceof HttpResponse head) {
      sentStatus = head.status().code(); // a 304 or 206 decided while writing a "200" answer
      if (policy != null) {
        policy.decorate(uri, head);
      }
    }
    if (gone) {
      ReferenceCountUtil.release(httpObject);
      return;
    }
    ctx.write(httpObject, ctx.voidPromise());
  }

  @Override
  public final void flush() {
    if (!gone) {
      ctx.flush();
    }
  }

  @Override
  public final boolean isWritable() {
    return ctx.channel().isWritable();
  }

  @Override
  public final void onWritable(Runnable task) {
    if (gone || ctx.channel().isWritable()) {
      ctx.executor().execute(task);
    } else {
      writableTask = task;
    }
  }

  /** The channel became writable again, or closed: runs the task a response left waiting. */
  final void runWritableTask() {
    Runnable task = writableTask;
    if (task != null) {
      writableTask = null;
      task.run();
    }
  }

  @Override
  public final boolean isOpen() {
    return !gone && ctx.channel().isActive();
  }

  @Override
  public final ChannelFuture closeFuture() {
    return ctx.channel().closeFuture();
  }

  @Override
  public final void end(long bodyBytes) {
    if (ended) {
      throw new IllegalStateException(
          "end() called twice for " + method + " " + uri + " (expected: once per response)");
    }
    ended = true;
    this.bodyBytes = bodyBytes;
    if (!gone) {
      onEnd();
    }
  }

  /** Marks the response ended without completing it (an abort): nothing more will be written. */
  final void cut() {
    ended = true;
  }
}
