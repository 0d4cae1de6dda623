package io.imgcdn.bench.load;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One client connection of a load run, re-opened whenever it breaks. Every method runs on its event
 * loop, so its fields need no synchronisation; {@link #stats} is read after the loop has stopped.
 */
final class Connection {

  /*
   * The state machine, one request at a time (no pipelining):
   *   connect -> next: claim a slot of the run's schedule; closed loop: send now; open loop: send at the
   *   slot's intended time (at once if that is already past: the connection was busy, and the wait
   *   counts in the latency) -> response headers, body, last content -> record -> next.
   * A request timeout counts an error and closes the connection (HTTP/1.1 cannot cancel a request);
   * a close while a request is in flight counts an io error; either way the connection re-opens and
   * goes on with the next slot. Connect failures count an error each and retry with backoff until the
   * run's deadline.
   *
   * Kept connections (LoadGenerator.Session): at the end of a run an idle connection stays open, and
   * begin(next run) goes on over it with fresh counters, so a series of runs measures requests only, not
   * connection set-up; one that broke meanwhile is re-opened by begin.
   */

  private static final AsciiString X_CACHE = AsciiString.cached("x-cache");
  private static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(1);

  Stats stats = new Stats();
  private LoadRun run;
  private final boolean keepOpen;
  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final InetSocketAddress address;

  /**
   * The same headers on every request of this connection; only this connection's loop reads them.
   */
  private final HttpHeaders requestHeaders;

  private @Nullable Channel channel;
  private boolean finished;
  private long backoffNanos = TimeUnit.MILLISECONDS.toNanos(50);
  private long slot = -1;
  private long intendedNanos;
  private long sentNanos;
  private boolean inFlight;
  private @Nullable ScheduledFuture<?> watchdog;
  private int status;
  private long bytes;
  private @Nullable String xCache;
  private boolean keepAlive;
  long lastCompletionNanos;

  Connection(
      LoadRun run, EventLoop loop, InetSocketAddress address, String host, boolean keepOpen) {
    this.run = run;
    this.keepOpen = keepOpen;
    this.loop = loop;
    this.address = address;
    this.requestHeaders =
        new DefaultHttpHeaders()
            .set(HttpHeaderNames.HOST, host)
            .set(HttpHeaderNames.USER_AGENT, "imgcdn-bench")
            .set(HttpHeaderNames.ACCEPT, "*/*");
    this.bootstrap =
        new Bootstrap()
            .group(loop)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) run.spec.connectTimeout().toMillis())
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    // Body chunks as large as the socket reads (not the default 8 KiB): fewer
                    // messages per response.
                    ch.pipeline()
                        .addLast(
                            new HttpClientCodec(
                                new HttpDecoderConfig().setMaxChunkSize(1 << 20), false, false),
                            new ResponseHandler());
                  }
                });
  }

  void start() {
    execute(this::connect);
  }

  /**
   * Starts {@code next} over this connection (kept open since the previous run, else re-opened);
   * any thread.
   */
  void begin(LoadRun next) {
    execute(
        () -> {
          run = next;
          stats = new Stats();
          finished = false;
          slot = -1;
          lastCompletionNanos = 0;
          backoffNanos = TimeUnit.MILLISECONDS.toNanos(50);
          if (channel != null && channel.isActive()) {
            startWatchdog();
            next();
          } else {
            connect();
          }
        });
  }

  /** Ends this connection at once (the run is over); safe from any thread. */
  void stop() {
    execute(this::finish);
  }

  private void execute(Runnable task) {
    try {
      loop.execute(task);
    } catch (RejectedExecutionException e) {
      // The loop is shutting down: the run is over.
    }
  }

  /**
   * Request timeouts: one periodic check per connection (every timeout / 8, at most 100 ms) instead
   * of scheduling and cancelling a timer per request, which costs a priority-queue insert and
   * removal on the event loop for every request. A timeout fires up to one period late.
   */
  private void checkTimeout() {
    Channel ch = channel;
    if (inFlight
        && ch != null
        && System.nanoTime() - sentNanos >= run.spec.requestTimeout().toNanos()) {
      onTimeout(ch);
    }
  }

  /**
   * Starts the periodic timeout check if it is not running; false when the loop is shutting down.
   */
  private boolean startWatchdog() {
    if (watchdog == null && !finished) {
      long period =
          Math.clamp(
              run.spec.requestTimeout().toNanos() / 8,
              TimeUnit.MILLISECONDS.toNanos(1),
              TimeUnit.MILLISECONDS.toNanos(100));
      try {
        watchdog =
            loop.scheduleAtFixedRate(this::checkTimeout, period, period, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        return false;
      }
    }
    return true;
  }

  private void connect() {
    if (!startWatchdog()) {
      return; // the loop is shutting down: the run is over
    }
    if (finished || run.stopping || System.nanoTime() >= run.deadlineNanos) {
      finish();
      return;
    }
    ChannelFuture f = bootstrap.connect(address);
    f.addListener(
        done -> {
          if (finished) {
            f.channel().close();
            return;
          }
          if (!done.isSuccess()) {
            stats.error(ErrorKind.CONNECT);
            long delay = backoffNanos;
            backoffNanos = Math.min(MAX_BACKOFF_NANOS, backoffNanos * 2);
            if (System.nanoTime() + delay >= run.deadlineNanos) {
              finish();
            } else {
              schedule(this::connect, delay);
            }
            return;
          }
          backoffNanos = TimeUnit.MILLISECONDS.toNanos(50);
          channel = f.channel();
          Channel ch = channel;
          ch.closeFuture().addListener(closed -> onClosed(ch));
          if (slot >= 0) {
            send(); // a slot claimed before the previous connection closed
          } else {
            next();
          }
        });
  }

  private void next() {
    if (finished) {
      return;
    }
    if (run.stopping || System.nanoTime() >= run.deadlineNanos) {
      finish();
      return;
    }
    long s = run.claim();
    if (s < 0) {
      finish();
      return;
    }
    slot = s;
    if (run.spec.openLoop()) {
      intendedNanos = run.intendedNanos(s);
      long wait = intendedNanos - System.nanoTime();
      if (wait > 0) {
        schedule(this::send, wait);
        return;
      }
    }
    send();
  }

  private void send() {
    if (finished) {
      return;
    }
    if (channel == null || !channel.isActive()) {
      return; // onClosed reconnects, and the connect listener sends the claimed slot
    }
    FullHttpRequest request =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1,
            HttpMethod.GET,
            run.path(slot),
            Unpooled.EMPTY_BUFFER,
            requestHeaders,
            EmptyHttpHeaders.INSTANCE);
    sentNanos = System.nanoTime();
    if (!run.spec.openLoop()) {
      intendedNanos = sentNanos;
    }
    inFlight = true;
    status = 0;
    bytes = 0;
    xCache = null;
    keepAlive = true;
    stats.sent++;
    slot = -1;
    channel.writeAndFlush(request, channel.voidPromise());
  }

  private void onHeaders(HttpResponse response) {
    status = response.status().code();
    xCache = response.headers().get(X_CACHE);
    keepAlive = HttpUtil.isKeepAlive(response);
  }

  private void onComplete() {
    long now = System.nanoTime();
    inFlight = false;
    stats.response(status, bytes, xCache, now - intendedNanos);
    lastCompletionNanos = now;
    Channel ch = channel;
    if (keepAlive) {
      next();
    } else if (ch != null) {
      ch.close(); // onClosed reconnects
    }
  }

  private void onTimeout(Channel ch) {
    if (!inFlight || ch != channel) {
      return;
    }
    inFlight = false;
    stats.error(ErrorKind.TIMEOUT);
    ch.close();
  }

  private void onFailure(Channel ch) {
    if (inFlight && ch == channel) {
      inFlight = false;
      stats.error(ErrorKind.IO);
    }
    ch.close();
  }

  private void onClosed(Channel ch) {
    if (ch != channel) {
      return;
    }
    onFailure(ch);
    channel = null;
    if (!finished) {
      connect();
    }
  }

  private void finish() {
    if (finished) {
      return;
    }
    finished = true;
    boolean wasInFlight = inFlight;
    if (inFlight) {
      inFlight = false;
      stats.error(ErrorKind.TIMEOUT); // the run ended before this request completed
    }
    if (watchdog != null) {
      watchdog.cancel(false);
      watchdog = null;
    }
    // A kept connection must be idle: one with a response still due is closed (begin re-opens it).
    if (channel != null && (!keepOpen || wasInFlight)) {
      channel.close();
    }
    run.finished(this);
  }

  private @Nullable ScheduledFuture<?> schedule(Runnable task, long delayNanos) {
    try {
      return loop.schedule(task, delayNanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      return null;
    }
  }

  /** Turns the codec's messages into calls on the connection; the last handler of the pipeline. */
  private final class ResponseHandler extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (!(msg instanceof HttpObject http) || !inFlight || ctx.channel() != channel) {
          return;
        }
        if (http.decoderResult().isFailure()) {
          onFailure(ctx.channel());
          return;
        }
        if (http instanceof HttpResponse response) {
          onHeaders(response);
        }
        if (http instanceof HttpContent content) {
          bytes += content.content().readableBytes();
        }
        if (http instanceof LastHttpContent) {
          onComplete();
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      onFailure(ctx.channel());
    }
  }
}
