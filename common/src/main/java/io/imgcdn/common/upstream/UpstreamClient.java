package io.imgcdn.common.upstream;

import io.imgcdn.common.upstream.UpstreamException.Kind;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.pool.AbstractChannelPoolHandler;
import io.netty.channel.pool.ChannelHealthChecker;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A pooled, keep-alive HTTP/1.1 client toward the next tier's nodes, with connect and response
 * timeouts and a bounded number of connections and waiters per node. Responses come whole ({@link
 * #get} within one deadline, {@link #collect} within a head timeout and an idle timeout) or as a
 * paced stream ({@link #exchange}). Never blocks the caller.
 */
public final class UpstreamClient implements AutoCloseable {
  /*
   * One Netty FixedChannelPool per "host:port". An exchange acquires a channel, writes a GET or HEAD and
   * hands the response to a BodyReceiver as it is decoded; get() is a receiver that collects the body.
   * Timeouts: the head must arrive within the exchange's head timeout; then, for a stream, each piece
   * within the idle timeout (settings.responseTimeout) unless the receiver paused the flow (a slow
   * downstream client is not the upstream's fault); collect() the same, into one body; get() instead
   * has one deadline for the last byte.
   * After a timeout the channel is closed: its state is unknown.
   * A keep-alive connection that the server closed while idle shows up as CLOSED before any response
   * byte: that request is retried once on a new connection, which is safe because every request we send
   * is an idempotent GET or HEAD.
   * Backpressure: pause() turns autoRead off, so the kernel's receive buffer fills and TCP flow control
   * slows the sender; resume() turns it on. A piece already decoded from the last read is still delivered.
   */
  private static final AttributeKey<Exchange> EXCHANGE = AttributeKey.valueOf("imgcdn.exchange");
  private static final AttributeKey<Boolean> USED = AttributeKey.valueOf("imgcdn.used");

  /** Largest body piece handed to a receiver at once. */
  private static final int MAX_PIECE = 64 * 1024;

  private final Bootstrap bootstrap;
  private final UpstreamSettings settings;
  private final ConcurrentHashMap<String, FixedChannelPool> pools = new ConcurrentHashMap<>();
  private final CollectBudget collecting;

  public UpstreamClient(EventLoopGroup group, UpstreamSettings settings) {
    this.settings = settings;
    this.collecting = new CollectBudget(settings.maxCollectingBytes());
    this.bootstrap =
        new Bootstrap()
            .group(group)
            .channel(io.imgcdn.common.http.Transports.clientChannel())
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
            .option(ChannelOption.TCP_NODELAY, true);
  }

  public UpstreamSettings settings() {
    return settings;
  }

  /** Responses of {@link #get} that waited for room under max-collecting-bytes. */
  public long collectWaits() {
    return collecting.waits();
  }

  /** The most body bytes {@link #get} has collected at once. */
  public long collectPeakBytes() {
    return collecting.peakBytes();
  }

  /**
   * GET {@code pathAndQuery} from the node at {@code address} ("host:port"), whole, within the
   * response timeout.
   */
  public CompletableFuture<UpstreamResponse> get(
      String address, String pathAndQuery, @Nullable HttpHeaders extraHeaders) {
    return get(address, pathAndQuery, extraHeaders, settings.responseTimeout());
  }

  /**
   * GET {@code pathAndQuery} whole, the last byte within {@code timeout}; bodies above
   * max-response-bytes fail.
   */
  public CompletableFuture<UpstreamResponse> get(
      String address, String pathAndQuery, @Nullable HttpHeaders extraHeaders, Duration timeout) {
    Collector collector = new Collector(address, settings.maxResponseBytes(), collecting);
    send(
        address,
        HttpMethod.GET,
        pathAndQuery,
        extraHeaders,
        timeout.toNanos(),
        true,
        collector,
        true);
    return collector.result;
  }

  /**
   * GET {@code pathAndQuery} whole, the head within {@code headTimeout}, then each body piece
   * within the response timeout: a body that keeps coming is not cut (a large original behind a
   * slow link), one that stops is. Bodies above max-response-bytes fail.
   */
  public CompletableFuture<UpstreamResponse> collect(
      String address,
      String pathAndQuery,
      @Nullable HttpHeaders extraHeaders,
      Duration headTimeout) {
    Collector collector = new Collector(address, settings.maxResponseBytes(), collecting);
    send(
        address,
        HttpMethod.GET,
        pathAndQuery,
        extraHeaders,
        headTimeout.toNanos(),
        false,
        collector,
        true);
    return collector.result;
  }

  /**
   * Sends {@code method} (GET or HEAD) for {@code pathAndQuery} and streams the response to {@code
   * receiver}: the head within {@code headTimeout}, then each body piece within the response
   * timeout while the flow is not paused. No size limit: the receiver decides.
   */
  public void exchange(
      String address,
      HttpMethod method,
      String pathAndQuery,
      @Nullable HttpHeaders extraHeaders,
      Duration headTimeout,
      BodyReceiver receiver) {
    send(address, method, pathAndQuery, extraHeaders, headTimeout.toNanos(), false, receiver, true);
  }

  private void send(
      String address,
      HttpMethod method,
      String pathAndQuery,
      @Nullable HttpHeaders extra,
      long timeoutNanos,
      boolean wholeDeadline,
      BodyReceiver receiver,
      boolean mayRetry) {
    FixedChannelPool pool;
    try {
      pool = pools.computeIfAbsent(address, this::newPool);
    } catch (RuntimeException e) {
      receiver.failed(new UpstreamException(Kind.CONNECT, address, messageOf(e), e), false);
      return;
    }
    long start = System.nanoTime();
    pool.acquire()
        .addListener(
            (Future<Channel> acquired) -> {
              if (!acquired.isSuccess()) {
                receiver.failed(classify(address, acquired.cause()), false);
                return;
              }
              Channel ch = acquired.getNow();
              boolean reused = Boolean.TRUE.equals(ch.attr(USED).getAndSet(Boolean.TRUE));
              long left = timeoutNanos - (System.nanoTime() - start);
              BodyReceiver target =
                  !(reused && mayRetry)
                      ? receiver
                      : new RetryOnStale(
                          receiver,
                          () ->
                              send(
                                  address,
                                  method,
                                  pathAndQuery,
                                  extra,
                                  timeoutNanos - (System.nanoTime() - start),
                                  wholeDeadline,
                                  receiver,
                                  false));
              Exchange exchange =
                  new Exchange(
                      address,
                      pool,
                      ch,
                      target,
                      Math.max(left, 1),
                      wholeDeadline,
                      settings.responseTimeout().toNanos());
              ch.attr(EXCHANGE).set(exchange);
              DefaultFullHttpRequest request =
                  new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, pathAndQuery);
              request.headers().set(HttpHeaderNames.HOST, address);
              if (extra != null) {
                request.headers().add(extra);
              }
              exchange.arm();
              ch.writeAndFlush(request)
                  .addListener(
                      written -> {
                        if (!written.isSuccess()) {
                          exchange.fail(
                              new UpstreamException(
                                  Kind.CLOSED, address, "write failed", written.cause()));
                        }
                      });
            });
  }

  private FixedChannelPool newPool(String address) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("address: " + address + " (expected: host:port)");
    }
    String host = address.substring(0, colon);
    int port = Integer.parseInt(address.substring(colon + 1));
    Bootstrap b = bootstrap.clone().remoteAddress(host, port);
    return new FixedChannelPool(
        b,
        new AbstractChannelPoolHandler() {
          @Override
          public void channelCreated(Channel ch) {
            ch.pipeline().addLast(new HttpClientCodec(4096, 16384, MAX_PIECE));
            ch.pipeline().addLast(new ResponseHandler());
          }
        },
        ChannelHealthChecker.ACTIVE,
        FixedChannelPool.AcquireTimeoutAction.FAIL,
        settings.connectTimeout().toMillis() + settings.responseTimeout().toMillis(),
        settings.maxConnections(),
        settings.maxPending(),
        true,
        true);
  }

  private UpstreamException classify(String address, Throwable cause) {
    if (cause instanceof UpstreamException ue) {
      return ue;
    }
    if (cause instanceof ConnectException
        || cause instanceof io.netty.channel.ConnectTimeoutException) {
      return new UpstreamException(
          Kind.CONNECT, address, "connect failed: " + cause.getMessage(), cause);
    }
    if (cause instanceof IllegalStateException
        && String.valueOf(cause.getMessage()).contains("pending")) {
      return new UpstreamException(
          Kind.POOL_EXHAUSTED, address, "too many waiting requests", cause);
    }
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return new UpstreamException(
          Kind.POOL_EXHAUSTED, address, "no free connection in time", cause);
    }
    return new UpstreamException(Kind.CONNECT, address, cause.toString(), cause);
  }

  /**
   * Retries once on a new connection when a reused one turns out closed before any response byte.
   */
  private static final class RetryOnStale extends ForwardingBodyReceiver {
    private final Runnable retry;

    RetryOnStale(BodyReceiver target, Runnable retry) {
      super(target);
      this.retry = retry;
    }

    @Override
    public void failed(UpstreamException failure, boolean headSeen) {
      if (!headSeen && failure.kind() == Kind.CLOSED) {
        retry.run();
      } else {
        target.failed(failure, headSeen);
      }
    }
  }

  /** Collects a whole response for {@link #get}, within the client's {@link CollectBudget}. */
  private static final class Collector implements BodyReceiver {
    final CompletableFuture<UpstreamResponse> result = new CompletableFuture<>();
    private final String address;
    private final int maxBytes;
    private final CollectBudget budget;
    private CollectBudget.@Nullable Grant grant;
    private @Nullable HttpResponse head;
    private @Nullable BodyFlow flow;
    private @Nullable CompositeByteBuf body;

    Collector(String address, int maxBytes, CollectBudget budget) {
      this.address = address;
      this.maxBytes = maxBytes;
      this.budget = budget;
    }

    @Override
    public void head(HttpResponse head, BodyFlow flow) {
      this.head = head;
      this.flow = flow;
      long announced = HttpUtil.getContentLength(head, -1L);
      if (announced > maxBytes) {
        flow.cancel();
        result.completeExceptionally(
            new UpstreamException(
                Kind.TOO_LARGE,
                address,
                "body of " + announced + " bytes exceeds the limit of " + maxBytes,
                null));
        return;
      }
      // On the connection's loop: a grant from another thread queues its resume behind this pause.
      grant =
          budget.acquire(
              announced >= 0 ? announced : maxBytes, () -> flow.executor().execute(flow::resume));
      if (!grant.granted()) {
        flow.pause(); // no timeout while paused: the bodies admitted before it have theirs, and
        // each frees room
      }
    }

    @Override
    public void content(ByteBuf piece) {
      if (result.isDone()) {
        piece.release();
        return;
      }
      if (body == null) {
        body = piece.alloc().compositeBuffer(Integer.MAX_VALUE);
      }
      body.addComponent(true, piece);
      if (body.readableBytes() > maxBytes) {
        Objects.requireNonNull(flow, "body before head").cancel();
        body.release();
        body = null;
        releaseGrant();
        result.completeExceptionally(
            new UpstreamException(
                Kind.TOO_LARGE, address, "body exceeds the limit of " + maxBytes + " bytes", null));
      }
    }

    @Override
    public void end() {
      HttpResponse head = this.head;
      if (head == null) {
        failed(
            new UpstreamException(Kind.CLOSED, address, "response ended before its head", null),
            false);
        return;
      }
      byte[] bytes;
      if (body == null) {
        bytes = new byte[0];
      } else {
        bytes = ByteBufUtil.getBytes(body);
        body.release();
        body = null;
      }
      releaseGrant();
      result.complete(new UpstreamResponse(head.status().code(), head.headers(), bytes));
    }

    @Override
    public void failed(UpstreamException failure, boolean headSeen) {
      if (body != null) {
        body.release();
        body = null;
      }
      releaseGrant();
      result.completeExceptionally(failure);
    }

    private void releaseGrant() {
      if (grant != null) {
        grant.release();
      }
    }
  }

  /** One request/response on one pooled channel; lives on the channel's event loop after write. */
  private static final class Exchange implements BodyFlow {
    final String address;
    final FixedChannelPool pool;
    final Channel channel;
    final BodyReceiver receiver;
    final boolean wholeDeadline;
    final long idleNanos;
    long deadline;
    @Nullable ScheduledFuture<?> timer;
    boolean headSeen;
    boolean keepAlive = true;
    boolean paused;
    boolean done;

    Exchange(
        String address,
        FixedChannelPool pool,
        Channel channel,
        BodyReceiver receiver,
        long timeoutNanos,
        boolean wholeDeadline,
        long idleNanos) {
      this.address = address;
      this.pool = pool;
      this.channel = channel;
      this.receiver = receiver;
      this.wholeDeadline = wholeDeadline;
      this.idleNanos = idleNanos;
      this.deadline = System.nanoTime() + timeoutNanos;
    }

    void arm() {
      timer =
          channel
              .eventLoop()
              .schedule(this::check, deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
    }

    private void check() {
      timer = null;
      if (done) {
        return;
      }
      if (paused) {
        return; // re-armed by resume()
      }
      long left = deadline - System.nanoTime();
      if (left > 0) {
        timer = channel.eventLoop().schedule(this::check, left, TimeUnit.NANOSECONDS);
        return;
      }
      String what =
          !headSeen ? "no response head" : wholeDeadline ? "no complete response" : "no body bytes";
      fail(new UpstreamException(Kind.TIMEOUT, address, what + " within the time allowed", null));
    }

    /** A body piece arrived: for a stream, the idle clock starts again. */
    void progress() {
      if (!wholeDeadline) {
        deadline = System.nanoTime() + idleNanos;
      }
    }

    void onHead(HttpResponse head) {
      headSeen = true;
      keepAlive = HttpUtil.isKeepAlive(head);
      progress();
      receiver.head(head, this);
    }

    void onContent(HttpContent content) {
      progress();
      if (done) {
        return;
      }
      ByteBuf piece = content.content();
      if (piece.isReadable()) {
        receiver.content(piece.retain());
      }
      if (content instanceof LastHttpContent && !done) {
        finish(keepAlive); // a response that says Connection: close takes its connection with it
        receiver.end();
      }
    }

    void fail(UpstreamException e) {
      if (done) {
        return;
      }
      finish(false);
      receiver.failed(e, headSeen);
    }

    private void finish(boolean reusable) {
      done = true;
      channel.attr(EXCHANGE).set(null);
      if (timer != null) {
        timer.cancel(false);
        timer = null;
      }
      if (!reusable) {
        channel.close();
      } else if (!channel.config().isAutoRead()) {
        channel.config().setAutoRead(true);
      }
      pool.release(channel);
    }

    @Override
    public void pause() {
      run(
          () -> {
            if (!done) {
              paused = true;
              channel.config().setAutoRead(false);
            }
          });
    }

    @Override
    public void resume() {
      run(
          () -> {
            if (!done && paused) {
              paused = false;
              deadline = System.nanoTime() + idleNanos;
              channel.config().setAutoRead(true);
              if (timer == null) {
                arm();
              }
            }
          });
    }

    @Override
    public void cancel() {
      run(
          () -> {
            if (!done) {
              finish(false);
            }
          });
    }

    @Override
    public EventExecutor executor() {
      return channel.eventLoop();
    }

    private void run(Runnable task) {
      if (channel.eventLoop().inEventLoop()) {
        task.run();
      } else {
        channel.eventLoop().execute(task);
      }
    }
  }

  private static final class ResponseHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        Exchange exchange = ctx.channel().attr(EXCHANGE).get();
        if (exchange == null) {
          ctx.close(); // a response nobody asked for: the connection is out of step
          return;
        }
        if (msg instanceof HttpResponse head) {
          if (head.decoderResult().isFailure()) {
            Throwable cause = head.decoderResult().cause();
            exchange.fail(
                new UpstreamException(
                    cause instanceof TooLongFrameException ? Kind.TOO_LARGE : Kind.CLOSED,
                    exchange.address,
                    "bad response: " + cause,
                    null));
            return;
          }
          if (head.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
            return; // 1xx: the real head follows
          }
          exchange.onHead(head);
        }
        if (msg instanceof HttpContent content) {
          if (content.decoderResult().isFailure()) {
            exchange.fail(
                new UpstreamException(
                    Kind.CLOSED,
                    exchange.address,
                    "bad response body: " + content.decoderResult().cause(),
                    null));
            return;
          }
          exchange.onContent(content);
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      Exchange exchange = ctx.channel().attr(EXCHANGE).get();
      if (exchange != null) {
        exchange.fail(
            new UpstreamException(
                Kind.CLOSED,
                exchange.address,
                exchange.headSeen
                    ? "connection closed mid-body"
                    : "connection closed before the response",
                null));
      }
      super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      Exchange exchange = ctx.channel().attr(EXCHANGE).get();
      if (exchange != null) {
        Kind kind = cause instanceof TooLongFrameException ? Kind.TOO_LARGE : Kind.CLOSED;
        String what = cause instanceof IOException ? messageOf(cause) : cause.toString();
        exchange.fail(new UpstreamException(kind, exchange.address, what, cause));
      }
      ctx.close();
    }
  }

  /** An exception's message, or its class and message when it has none (a null message). */
  private static String messageOf(Throwable e) {
    String message = e.getMessage();
    return message != null ? message : e.toString();
  }

  @Override
  public void close() {
    pools.values().forEach(FixedChannelPool::close);
    pools.clear();
  }
}
