package io.imgcdn.common.http;

import io.imgcdn.common.url.ImageUrl;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving handler every tier shares: validates the request, parses the URL contract, asks the tier
 * for a {@link Reply} and writes it back in request order. It goes last in the pipeline, after
 * {@code HttpServerCodec} and {@code HttpObjectAggregator}.
 */
public final class ObjectServerHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
  /*
   * Tiers answer asynchronously (cache lookups, upstream fetches, disk reads), so replies can complete
   * out of order. HTTP/1.1 pipelining requires responses in request order (RFC 9112 section 9.3.2), so
   * each request takes a slot in a per-connection queue and slots are flushed from the head only.
   * At most MAX_PIPELINED requests are in flight per connection; beyond that we stop reading the socket
   * until replies drain, so one client cannot queue unbounded work.
   * Everything here runs on the channel's event loop; replies are completed elsewhere and hop back.
   */
  private static final Logger LOG = LoggerFactory.getLogger(ObjectServerHandler.class);
  private static final int MAX_PIPELINED = 16;

  /** What a tier does with one parsed request. Must not block: return a future. */
  @FunctionalInterface
  public interface Tier {
    CompletableFuture<Reply> handle(ImageUrl url, HttpHeaders requestHeaders);

    /** Paths outside the URL contract that a tier serves itself (e.g. the edge's index page). */
    default ImageUrl rewrite(String path) {
      return null;
    }
  }

  private final Tier tier;
  private final String nodeId;
  private final RequestObserver observer;
  private final ArrayDeque<Slot> slots = new ArrayDeque<>();

  private static final class Slot {
    final HttpMethod method;
    final HttpHeaders headers;
    final boolean keepAlive;
    final long startNanos = System.nanoTime();
    Reply reply;

    Slot(HttpMethod method, HttpHeaders headers, boolean keepAlive) {
      this.method = method;
      this.headers = headers;
      this.keepAlive = keepAlive;
    }
  }

  /** Told about every finished request (metrics, access log). */
  @FunctionalInterface
  public interface RequestObserver {
    void completed(HttpMethod method, String uri, Reply reply, int bytesSent, long nanos);
  }

  public ObjectServerHandler(String nodeId, Tier tier, RequestObserver observer) {
    this.nodeId = nodeId;
    this.tier = tier;
    this.observer = observer;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    boolean keepAlive = HttpUtil.isKeepAlive(request);
    Slot slot = new Slot(request.method(), request.headers().copy(), keepAlive);
    slots.add(slot);
    if (slots.size() >= MAX_PIPELINED) {
      ctx.channel().config().setAutoRead(false);
    }
    String uri = request.uri();
    CompletableFuture<Reply> future;
    try {
      future = dispatch(request);
    } catch (HttpError e) {
      future = CompletableFuture.completedFuture(Reply.error(e, nodeId + ";error"));
    }
    future.whenComplete((reply, failure) -> {
      Reply r = failure == null ? reply : replyFor(failure);
      if (ctx.executor().inEventLoop()) {
        complete(ctx, slot, uri, r);
      } else {
        ctx.executor().execute(() -> complete(ctx, slot, uri, r));
      }
    });
  }

  private CompletableFuture<Reply> dispatch(FullHttpRequest request) {
    DecoderResult result = request.decoderResult();
    if (result.isFailure()) {
      Throwable cause = result.cause();
      if (cause instanceof TooLongHttpLineException) {
        throw new HttpError(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long");
      }
      if (cause instanceof TooLongHttpHeaderException) {
        throw new HttpError(HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request headers too large");
      }
      if (cause instanceof TooLongFrameException) {
        throw new HttpError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request too large");
      }
      throw HttpError.badRequest("malformed request: " + cause.getClass().getSimpleName());
    }
    HttpMethod method = request.method();
    if (!HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method)) {
      throw new HttpError(HttpResponseStatus.METHOD_NOT_ALLOWED, "method " + method + " not allowed (GET, HEAD)");
    }
    if (request.content().isReadable()) {
      throw HttpError.badRequest("GET and HEAD requests carry no body");
    }
    String uri = request.uri();
    String path = uri.indexOf('?') < 0 ? uri : uri.substring(0, uri.indexOf('?'));
    ImageUrl url = tier.rewrite(path);
    if (url == null) {
      url = ImageUrl.parse(uri);
    }
    return tier.handle(url, request.headers());
  }

  private Reply replyFor(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause()
        : failure;
    if (cause instanceof HttpError error) {
      if (error.shouldReport()) {
        LOG.warn("{}: {}", nodeId, error.getMessage(), error.getCause());
      }
      return Reply.error(error, nodeId + ";error");
    }
    if (cause instanceof RejectedExecutionException) {
      return Reply.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "overloaded, retry shortly", nodeId + ";error");
    }
    LOG.error("{}: unexpected failure", nodeId, cause);
    return Reply.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error", nodeId + ";error");
  }

  private void complete(ChannelHandlerContext ctx, Slot slot, String uri, Reply reply) {
    slot.reply = reply;
    boolean wrote = false;
    while (!slots.isEmpty() && slots.peek().reply != null) {
      Slot head = slots.poll();
      FullHttpResponse response = ObjectResponses.toResponse(head.method, head.headers, head.reply);
      if (head.reply.status().code() == 503) {
        response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
      }
      int bytes = response.content().readableBytes();
      boolean keepAlive = head.keepAlive && ctx.channel().isActive();
      if (!keepAlive) {
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      }
      if (observer != null) {
        observer.completed(head.method, head == slot ? uri : "", head.reply, bytes, System.nanoTime() - head.startNanos);
      }
      if (keepAlive) {
        ctx.write(response, ctx.voidPromise());
      } else {
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        slots.clear();
        return;
      }
      wrote = true;
    }
    if (wrote) {
      ctx.flush();
    }
    if (slots.size() < MAX_PIPELINED && !ctx.channel().config().isAutoRead()) {
      ctx.channel().config().setAutoRead(true);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) {
      // Idle (or a client dribbling a request in too slowly): free the connection.
      ctx.close();
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("{}: connection error, closing: {}", nodeId, cause.toString());
    ctx.close();
  }
}
