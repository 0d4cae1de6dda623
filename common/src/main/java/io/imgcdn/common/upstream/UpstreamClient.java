package io.imgcdn.common.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.pool.AbstractChannelPoolHandler;
import io.netty.channel.pool.ChannelHealthChecker;
import io.netty.channel.pool.FixedChannelPool;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import io.imgcdn.common.upstream.UpstreamException.Kind;

/**
 * A pooled, keep-alive HTTP/1.1 client toward the next tier's nodes, with connect and response timeouts
 * and a bounded number of connections and waiters per node. Never blocks the caller.
 */
public final class UpstreamClient implements AutoCloseable {
  /*
   * One Netty FixedChannelPool per "host:port". A request acquires a channel, writes a GET and waits for
   * the aggregated response; a timer on the channel's event loop fails it after responseTimeout and closes
   * the channel (its state is unknown after a timeout). A keep-alive connection that the server closed
   * while idle shows up as CLOSED before any response byte: that request is retried once on a new
   * connection, which is safe because every request we send is an idempotent GET or HEAD.
   */
  private static final AttributeKey<Exchange> EXCHANGE = AttributeKey.valueOf("imgcdn.exchange");
  private static final AttributeKey<Boolean> USED = AttributeKey.valueOf("imgcdn.used");

  private final Bootstrap bootstrap;
  private final UpstreamSettings settings;
  private final ConcurrentHashMap<String, FixedChannelPool> pools = new ConcurrentHashMap<>();

  public UpstreamClient(EventLoopGroup group, UpstreamSettings settings) {
    this.settings = settings;
    this.bootstrap = new Bootstrap()
        .group(group)
        .channel(io.imgcdn.common.http.Transports.clientChannel())
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.connectTimeout().toMillis())
        .option(ChannelOption.TCP_NODELAY, true);
  }

  /** GET (or HEAD) {@code pathAndQuery} from the node at {@code address} ("host:port"). */
  public CompletableFuture<UpstreamResponse> get(String address, String pathAndQuery, HttpHeaders extraHeaders) {
    CompletableFuture<UpstreamResponse> result = new CompletableFuture<>();
    send(address, pathAndQuery, extraHeaders, result, true);
    return result;
  }

  private void send(String address, String pathAndQuery, HttpHeaders extra,
      CompletableFuture<UpstreamResponse> result, boolean mayRetry) {
    FixedChannelPool pool = pools.computeIfAbsent(address, this::newPool);
    pool.acquire().addListener((Future<Channel> acquired) -> {
      if (!acquired.isSuccess()) {
        result.completeExceptionally(classify(address, acquired.cause()));
        return;
      }
      Channel ch = acquired.getNow();
      boolean reused = Boolean.TRUE.equals(ch.attr(USED).getAndSet(Boolean.TRUE));
      Exchange exchange = new Exchange(address, pool, ch);
      ch.attr(EXCHANGE).set(exchange);
      exchange.future.whenComplete((response, failure) -> {
        if (failure instanceof UpstreamException ue && ue.kind() == Kind.CLOSED && reused && mayRetry) {
          send(address, pathAndQuery, extra, result, false);
        } else if (failure != null) {
          result.completeExceptionally(failure);
        } else {
          result.complete(response);
        }
      });
      DefaultFullHttpRequest request =
          new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, pathAndQuery);
      request.headers().set(HttpHeaderNames.HOST, address);
      if (extra != null) {
        request.headers().add(extra);
      }
      exchange.timeout = ch.eventLoop().schedule(
          () -> exchange.fail(new UpstreamException(Kind.TIMEOUT, address,
              "no complete response within " + settings.responseTimeout().toMillis() + " ms", null), true),
          settings.responseTimeout().toMillis(), TimeUnit.MILLISECONDS);
      ch.writeAndFlush(request).addListener(written -> {
        if (!written.isSuccess()) {
          exchange.fail(new UpstreamException(Kind.CLOSED, address, "write failed", written.cause()), true);
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
    return new FixedChannelPool(b, new AbstractChannelPoolHandler() {
      @Override
      public void channelCreated(Channel ch) {
        ch.pipeline().addLast(new HttpClientCodec());
        ch.pipeline().addLast(new HttpObjectAggregator(settings.maxResponseBytes()));
        ch.pipeline().addLast(new ResponseHandler());
      }
    }, ChannelHealthChecker.ACTIVE, FixedChannelPool.AcquireTimeoutAction.FAIL,
        settings.connectTimeout().toMillis() + settings.responseTimeout().toMillis(),
        settings.maxConnections(), settings.maxPending(), true, true);
  }

  private UpstreamException classify(String address, Throwable cause) {
    if (cause instanceof UpstreamException ue) {
      return ue;
    }
    if (cause instanceof ConnectException || cause instanceof io.netty.channel.ConnectTimeoutException) {
      return new UpstreamException(Kind.CONNECT, address, "connect failed: " + cause.getMessage(), cause);
    }
    if (cause instanceof IllegalStateException && String.valueOf(cause.getMessage()).contains("pending")) {
      return new UpstreamException(Kind.POOL_EXHAUSTED, address, "too many waiting requests", cause);
    }
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return new UpstreamException(Kind.POOL_EXHAUSTED, address, "no free connection in time", cause);
    }
    return new UpstreamException(Kind.CONNECT, address, cause.toString(), cause);
  }

  /** One request/response on one pooled channel. */
  private static final class Exchange {
    final String address;
    final FixedChannelPool pool;
    final Channel channel;
    final CompletableFuture<UpstreamResponse> future = new CompletableFuture<>();
    ScheduledFuture<?> timeout;
    boolean done;

    Exchange(String address, FixedChannelPool pool, Channel channel) {
      this.address = address;
      this.pool = pool;
      this.channel = channel;
    }

    void succeed(UpstreamResponse response, boolean keepAlive) {
      if (finish()) {
        if (!keepAlive) {
          channel.close();
        }
        pool.release(channel);
        future.complete(response);
      }
    }

    void fail(UpstreamException e, boolean close) {
      if (finish()) {
        if (close) {
          channel.close();
        }
        pool.release(channel);
        future.completeExceptionally(e);
      }
    }

    private boolean finish() {
      if (done) {
        return false;
      }
      done = true;
      channel.attr(EXCHANGE).set(null);
      if (timeout != null) {
        timeout.cancel(false);
      }
      return true;
    }
  }

  private static final class ResponseHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse msg) {
      Exchange exchange = ctx.channel().attr(EXCHANGE).get();
      if (exchange == null) {
        ctx.close(); // a response nobody asked for: the connection is out of step
        return;
      }
      if (msg.decoderResult().isFailure()) {
        exchange.fail(new UpstreamException(msg.decoderResult().cause() instanceof TooLongFrameException
            ? Kind.TOO_LARGE : Kind.CLOSED, exchange.address, "bad response: " + msg.decoderResult().cause(), null),
            true);
        return;
      }
      byte[] body = ByteBufUtil.getBytes(msg.content());
      exchange.succeed(new UpstreamResponse(msg.status().code(), msg.headers().copy(), body),
          HttpUtil.isKeepAlive(msg));
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      Exchange exchange = ctx.channel().attr(EXCHANGE).get();
      if (exchange != null) {
        exchange.fail(new UpstreamException(Kind.CLOSED, exchange.address, "connection closed before the response", null), false);
      }
      super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      Exchange exchange = ctx.channel().attr(EXCHANGE).get();
      if (exchange != null) {
        Kind kind = cause instanceof TooLongFrameException ? Kind.TOO_LARGE : Kind.CLOSED;
        String what = cause instanceof IOException ? cause.getMessage() : cause.toString();
        exchange.fail(new UpstreamException(kind, exchange.address, what, cause), true);
      }
      ctx.close();
    }
  }

  @Override
  public void close() {
    pools.values().forEach(FixedChannelPool::close);
    pools.clear();
  }
}
