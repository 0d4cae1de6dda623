package io.imgcdn.common.http;

import io.imgcdn.common.accesslog.AccessLog;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The end of an HTTP/1.1 connection's pipeline: makes each decoded request an exchange that {@link
 * TierDispatch} answers, and writes the answers back in request order, keeping the connection open
 * between them as the requests ask. Goes last, after the {@code HttpResponseEncoder} named {@value
 * ServerInitializer#ENCODER} and the {@link RequestHeadValidator}, as {@link ServerInitializer}
 * builds it.
 */
public final class ObjectServerHandler extends ChannelInboundHandlerAdapter {
  /*
   * Ordering. Tiers answer asynchronously (cache lookups, upstream fetches, disk reads), so answers can
   * complete out of order. HTTP/1.1 pipelining requires responses in request order (RFC 9112 section
   * 9.3.2), so each request takes a slot in a per-connection queue and only the head slot writes. A
   * response may take a while to write (a stream from upstream): the next slot waits for its end().
   *
   * Keep-alive (RFC 9112 section 9.3): a request says whether the connection outlives its response (the
   * validator makes a request after which the connection cannot be trusted say Connection: close). After
   * a closing request, later ones are not read; the connection closes once its response is written.
   * Draining (ServerConnections.DRAIN) withdraws keep-alive: nothing more is read, the last request
   * already read is answered with Connection: close and the connection closes after it; an idle one
   * closes at once.
   *
   * Backpressure. At most maxPipelined requests are in flight per connection, and nothing more is read
   * while the client does not drain what was written (the channel is unwritable): one client can neither
   * queue unbounded work nor make the server buffer unbounded responses.
   *
   * Flushing. Responses completed while a read is being processed (cache hits) are flushed once at
   * channelReadComplete, so a burst of pipelined hits leaves in one writev; responses completed later
   * are flushed at once.
   *
   * Threads: everything runs on the channel's event loop.
   */
  private static final Logger LOG = LoggerFactory.getLogger(ObjectServerHandler.class);

  private final TierDispatch dispatch;
  private final int maxPipelined;
  private final ArrayDeque<Slot> slots = new ArrayDeque<>();
  private @Nullable ChannelHandlerContext ctx;
  private @Nullable ChannelHandlerContext encoderCtx;
  private boolean inRead;
  private boolean flushPending;
  private boolean writing;

  /** A response that closes the connection is queued: later requests on it are ignored. */
  private boolean closing;

  /** The server is shutting down: finish the queued requests, then close. */
  private boolean draining;

  /** The node is retiring: the next request read closes the connection. */
  private boolean retiring;

  /**
   * The handler of one connection to {@code tier}, with at most {@code maxPipelined} requests in
   * flight; {@code observer} (null: none) hears of every finished response.
   */
  public ObjectServerHandler(
      String nodeId, Tier tier, @Nullable ResponseObserver observer, int maxPipelined) {
    this(new TierDispatch(nodeId, tier, observer), maxPipelined);
  }

  public ObjectServerHandler(TierDispatch dispatch, int maxPipelined) {
    if (maxPipelined < 1) {
      throw new IllegalArgumentException("maxPipelined: " + maxPipelined + " (expected: >= 1)");
    }
    this.dispatch = dispatch;
    this.maxPipelined = maxPipelined;
  }

  /** Every finished request is also written to {@code log} (null: none). Set before serving. */
  public ObjectServerHandler accessLog(@Nullable AccessLog log) {
    dispatch.accessLog(log);
    return this;
  }

  /** Whether this connection's tier answers OPTIONS (CORS preflight). */
  public boolean answersPreflight() {
    return dispatch.answersPreflight();
  }

  /** The method besides GET, HEAD and OPTIONS this connection's tier answers; null: none. */
  public @Nullable HttpMethod extraMethod() {
    return dispatch.extraMethod();
  }

  /** Whether a request has been read and its response not yet written in full. */
  public boolean hasRequestsInFlight() {
    return !slots.isEmpty();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.encoderCtx = ctx.pipeline().context(ServerInitializer.ENCODER);
    if (encoderCtx == null) {
      throw new IllegalStateException(
          "pipeline has no handler named '"
              + ServerInitializer.ENCODER
              + "' (expected: the HttpResponseEncoder, as ServerInitializer builds it)");
    }
  }

  /** This handler's context; handlerAdded set it before any event reaches the handler. */
  private ChannelHandlerContext context() {
    return added(ctx);
  }

  /** The HttpResponseEncoder's context, which writes a slot's pre-encoded bytes. */
  private ChannelHandlerContext encoder() {
    return added(encoderCtx);
  }

  private static ChannelHandlerContext added(@Nullable ChannelHandlerContext context) {
    if (context == null) {
      throw new IllegalStateException("not added to a pipeline");
    }
    return context;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    inRead = true;
    try {
      if (msg instanceof HttpRequest request) {
        onRequest(ctx, request);
      }
    } finally {
      // Requests are not reference counted unless the decoder failed (then a FullHttpRequest); the
      // content of requests that carry a body is dropped: such a connection is closing anyway.
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    inRead = false;
    if (flushPending) {
      flushPending = false;
      ctx.flush();
    }
    ctx.fireChannelReadComplete();
  }

  private void onRequest(ChannelHandlerContext ctx, HttpRequest request) {
    if (closing) {
      return;
    }
    boolean keepAlive = !draining && !retiring && isKeepAlive(request);
    Slot slot = new Slot(ctx, request, keepAlive);
    slots.add(slot);
    closing = !keepAlive;
    if (closing || slots.size() >= maxPipelined) {
      ctx.channel().config().setAutoRead(false);
    }
    dispatch.dispatch(request, slot);
  }

  /**
   * HttpUtil.isKeepAlive without its per-request list of Connection values: HTTP/1.1 keeps the
   * connection unless a "close" token is present, HTTP/1.0 closes it unless a "keep-alive" token is
   * (RFC 9112 9.3).
   */
  static boolean isKeepAlive(HttpRequest request) {
    String connection = request.headers().get(HttpHeaderNames.CONNECTION);
    boolean http11 = request.protocolVersion().isKeepAliveDefault();
    if (connection == null) {
      return http11;
    }
    return http11 ? !hasToken(connection, "close") : hasToken(connection, "keep-alive");
  }

  /**
   * Whether the comma-separated list {@code value} holds {@code token}, ignoring case and spaces.
   */
  static boolean hasToken(String value, String token) {
    int n = value.length();
    int i = 0;
    while (i < n) {
      while (i < n
          && (value.charAt(i) == ' ' || value.charAt(i) == '\t' || value.charAt(i) == ',')) {
        i++;
      }
      int start = i;
      while (i < n && value.charAt(i) != ',') {
        i++;
      }
      int end = i;
      while (end > start && (value.charAt(end - 1) == ' ' || value.charAt(end - 1) == '\t')) {
        end--;
      }
      if (end - start == token.length()
          && value.regionMatches(true, start, token, 0, token.length())) {
        return true;
      }
    }
    return false;
  }

  /** Writes head slots whose responses are ready, in order, until one is still streaming. */
  private void writeReady() {
    if (writing) {
      return; // an end() inside a write: the loop below continues
    }
    writing = true;
    boolean wrote = false;
    try {
      Slot head;
      while ((head = slots.peek()) != null && head.hasResponse() && !head.started) {
        head.started = true;
        wrote = true;
        if (!dispatch.write(head)) {
          return; // the response failed and cut the connection
        }
        if (!head.hasEnded()) {
          break;
        }
      }
    } finally {
      writing = false;
    }
    if (wrote) {
      flushSoon();
    }
  }

  /**
   * Flushes now, or at the end of the read being processed (one flush for a burst of pipelined
   * hits).
   */
  private void flushSoon() {
    if (inRead) {
      flushPending = true;
    } else {
      context().flush();
    }
  }

  private void finished(Slot slot) {
    slots.poll();
    dispatch.completed(slot);
    if (!slot.keepAlive() || (draining && slots.isEmpty())) {
      encoder().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
      abandonAll();
      return;
    }
    if (!writing) {
      writeReady();
      flushSoon(); // the response's last bytes, whoever wrote them
    }
    resumeReadingIfDrained();
  }

  private void resumeReadingIfDrained() {
    ChannelHandlerContext ctx = context();
    if (!closing
        && !draining
        && slots.size() < maxPipelined
        && ctx.channel().isWritable()
        && !ctx.channel().config().isAutoRead()) {
      ctx.channel().config().setAutoRead(true);
    }
  }

  private void abandonAll() {
    closing = true;
    Slot s;
    while ((s = slots.poll()) != null) {
      s.gone = true;
      if (s.hasResponse() && !s.started) {
        s.response().discard();
      }
      s.runWritableTask();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      Slot head = slots.peek();
      if (head != null) {
        head.runWritableTask();
      }
      resumeReadingIfDrained();
    } else if (ctx.channel().config().isAutoRead()) {
      ctx.channel().config().setAutoRead(false); // the client is not reading what we send
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    abandonAll();
    ctx.fireChannelInactive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt == ServerConnections.RETIRE) {
      retiring = true;
      dispatch.retire();
      return;
    }
    if (evt == ServerConnections.DRAIN) {
      draining = true;
      ctx.channel().config().setAutoRead(false);
      if (slots.isEmpty()) {
        ctx.close();
      }
      return;
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("{}: connection error, closing: {}", dispatch.nodeId(), cause.toString());
    ctx.close();
  }

  /** One request's place in the response order, and the channel its response writes through. */
  private final class Slot extends Exchange implements ResponseChannel.Http1Wire {
    private final boolean keepAlive;
    boolean started;

    Slot(ChannelHandlerContext ctx, HttpRequest request, boolean keepAlive) {
      super(ctx, request, request.protocolVersion(), System.nanoTime());
      this.keepAlive = keepAlive;
    }

    @Override
    public Protocol protocol() {
      return Protocol.HTTP_1_1;
    }

    @Override
    public boolean keepAlive() {
      return keepAlive && !(draining && slots.peekLast() == this);
    }

    @Override
    public ResponseChannel.Http1Wire http1Wire() {
      return this;
    }

    @Override
    public void writeEncoded(ByteBuf bytes) {
      if (gone) {
        bytes.release();
        return;
      }
      ChannelHandlerContext encoder = encoder();
      encoder.write(bytes, encoder.voidPromise());
    }

    @Override
    void onResponse() {
      writeReady();
    }

    @Override
    void onEnd() {
      finished(this);
    }

    @Override
    public void abort() {
      cut();
      if (!gone) {
        abandonAll();
        ctx.close();
      }
    }
  }
}
