package io.imgcdn.common.http;

import io.imgcdn.common.accesslog.AccessLog;
import io.imgcdn.common.url.ImageUrl;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving handler every tier shares: validates the request, parses the URL contract, asks the
 * tier for a {@link Response} and writes the responses back in request order. It goes last in the
 * pipeline that {@link ServerInitializer} builds, after {@code HttpRequestDecoder} and the {@code
 * HttpResponseEncoder} named {@value ServerInitializer#ENCODER}.
 */
public final class ObjectServerHandler extends ChannelInboundHandlerAdapter {
  /*
   * Ordering. Tiers answer asynchronously (cache lookups, upstream fetches, disk reads), so answers can
   * complete out of order. HTTP/1.1 pipelining requires responses in request order (RFC 9112 section
   * 9.3.2), so each request takes a slot in a per-connection queue and only the head slot writes. A
   * response may take a while to write (a stream from upstream): the next slot waits for its end().
   *
   * Backpressure. At most maxPipelined requests are in flight per connection, and nothing more is read
   * while the client does not drain what was written (the channel is unwritable): one client can neither
   * queue unbounded work nor make the server buffer unbounded responses.
   *
   * Flushing. Responses completed while a read is being processed (cache hits) are flushed once at
   * channelReadComplete, so a burst of pipelined hits leaves in one writev; responses completed later
   * are flushed at once.
   *
   * Requests have no body here (GET and HEAD): a request announcing one gets 400 and the connection is
   * closed after it, which also spares us reading and discarding the body.
   *
   * Threads: everything runs on the channel's event loop; futures completed elsewhere hop back. A
   * Response that will never be written (the client left first) is discarded so its memory is freed.
   */
  private static final Logger LOG = LoggerFactory.getLogger(ObjectServerHandler.class);

  /** More header fields than this get 431 (Apache's LimitRequestFields default). */
  public static final int MAX_HEADER_FIELDS = 100;

  private static final ImageObject NO_OBJECT =
      new ImageObject("text/plain", "", "no-store", new byte[0]);

  /** What a tier does with one parsed request. Must not block: return a future. */
  @FunctionalInterface
  public interface Tier {
    CompletableFuture<? extends Response> handle(ImageUrl url, HttpHeaders requestHeaders);

    /** Paths outside the URL contract that a tier serves itself (e.g. the edge's index page). */
    default ImageUrl rewrite(String path) {
      return null;
    }

    /**
     * A response for the raw request target before it is parsed, or null to take the normal path
     * (rewrite, parse, handle). For answers a tier can find without parsing, e.g. a cache hit keyed
     * by a target already in canonical form; the tier must only answer targets that would parse to
     * the same key. Called on the event loop: must not block.
     */
    default Response fastPath(String requestTarget, HttpHeaders requestHeaders) {
      return null;
    }
  }

  /** Told about every finished request (metrics, access log). */
  @FunctionalInterface
  public interface RequestObserver {
    void completed(HttpMethod method, String uri, Reply reply, int bytesSent, long nanos);
  }

  /**
   * Told about every finished response; {@code response} is no longer usable except for its
   * accessors.
   */
  @FunctionalInterface
  public interface ResponseObserver {
    void completed(HttpMethod method, Response response, long bodyBytes, long nanos);
  }

  private final Tier tier;
  private final String nodeId;
  private final ResponseObserver observer;
  private final int maxPipelined;
  private final ArrayDeque<Slot> slots = new ArrayDeque<>();
  private AccessLog accessLog;

  private long idleNanos = java.util.concurrent.TimeUnit.SECONDS.toNanos(60);
  private ChannelHandlerContext ctx;
  private ChannelHandlerContext encoderCtx;
  private long lastActivity;
  private Object lastOutput;
  private long lastOutputProgress;
  private long lastOutputPending;
  private io.netty.util.concurrent.ScheduledFuture<?> idleCheck;
  private RequestHeadTimeout headTimeout;
  private boolean inRead;
  private boolean flushPending;
  private boolean writing;

  /** A response that closes the connection is queued: later requests on it are ignored. */
  private boolean closing;

  /** The server is shutting down: finish the queued requests, then close. */
  private boolean draining;

  /** The handler with the given observer and at most 16 requests in flight per connection. */
  public ObjectServerHandler(String nodeId, Tier tier, RequestObserver observer) {
    this(
        nodeId,
        tier,
        observer == null
            ? null
            : (method, response, bytes, nanos) ->
                observer.completed(
                    method,
                    "",
                    response instanceof Reply r
                        ? r
                        : new Reply(response.status(), NO_OBJECT, response.xCache()),
                    (int) Math.min(Integer.MAX_VALUE, bytes),
                    nanos),
        16);
  }

  /**
   * The handler with an idle timeout of 60 seconds until {@link ServerInitializer} sets its own.
   */
  public ObjectServerHandler(
      String nodeId, Tier tier, ResponseObserver observer, int maxPipelined) {
    if (maxPipelined < 1) {
      throw new IllegalArgumentException("maxPipelined: " + maxPipelined + " (expected: >= 1)");
    }
    this.nodeId = nodeId;
    this.tier = tier;
    this.observer = observer;
    this.maxPipelined = maxPipelined;
  }

  /**
   * A connection is closed when, for {@code idleTimeout}, it has read nothing and either has no
   * request in flight or has not moved any response byte to the socket (a client that stopped
   * reading). Set before the handler joins a pipeline; {@link ServerInitializer} sets the server's.
   */
  ObjectServerHandler idleTimeout(java.time.Duration idleTimeout) {
    if (idleTimeout.isZero() || idleTimeout.isNegative()) {
      throw new IllegalArgumentException("idleTimeout: " + idleTimeout + " (expected: > 0)");
    }
    this.idleNanos = idleTimeout.toNanos();
    return this;
  }

  /**
   * Every finished request is also written to {@code log} (null: none). Set before joining a
   * pipeline.
   */
  public ObjectServerHandler accessLog(AccessLog log) {
    this.accessLog = log;
    return this;
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
    this.headTimeout = ctx.pipeline().get(RequestHeadTimeout.class);
    if (ctx.channel().isActive()) {
      startIdleCheck();
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    startIdleCheck();
    ctx.fireChannelActive();
  }

  private void startIdleCheck() {
    if (idleCheck == null) {
      lastActivity = System.nanoTime();
      idleCheck =
          ctx.executor()
              .schedule(this::checkIdle, idleNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
  }

  /*
   * Idle timeout without a listener per write (Netty's IdleStateHandler adds one to every write to learn
   * when it completes): reads stamp lastActivity; the check, once per timeout, also counts as activity
   * any movement of the outbound buffer since the previous check (IdleStateHandler's observeOutput
   * test). A connection is closed when nothing moved for the whole timeout and it either has no request
   * in flight (an idle keep-alive connection) or has some but the client is not taking the bytes.
   * A response still waiting for its upstream is bounded by the tier's own deadline.
   */
  private void checkIdle() {
    idleCheck = null;
    if (!ctx.channel().isActive()) {
      return;
    }
    long now = System.nanoTime();
    io.netty.channel.ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
    if (out != null) {
      Object current = out.current();
      long progress = out.currentProgress();
      long pending = out.totalPendingWriteBytes();
      if (current != lastOutput || progress != lastOutputProgress || pending != lastOutputPending) {
        lastOutput = current;
        lastOutputProgress = progress;
        lastOutputPending = pending;
        lastActivity = Math.max(lastActivity, now - 1);
      }
    }
    long left = lastActivity + idleNanos - now;
    boolean stalledWriting = out != null && out.totalPendingWriteBytes() > 0;
    if (left <= 0 && (slots.isEmpty() || stalledWriting)) {
      ctx.close();
      return;
    }
    idleCheck =
        ctx.executor()
            .schedule(
                this::checkIdle,
                Math.max(left, idleNanos / 4),
                java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    inRead = true;
    lastActivity = System.nanoTime();
    try {
      if (msg instanceof HttpRequest request) {
        onRequest(request);
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

  private void onRequest(HttpRequest request) {
    if (headTimeout != null) {
      headTimeout.headReceived();
    }
    if (closing) {
      return;
    }
    boolean keepAlive = isKeepAlive(request) && !draining;
    Slot slot = new Slot(request, keepAlive, lastActivity); // stamped by channelRead just now
    slots.add(slot);
    if (slots.size() >= maxPipelined) {
      ctx.channel().config().setAutoRead(false);
    }
    CompletableFuture<? extends Response> future;
    try {
      validate(request);
      Response fast = tier.fastPath(request.uri(), request.headers());
      if (fast != null) {
        deliver(slot, fast); // the hit path: no parse, no future, no callback, no hop
        return;
      }
      future = dispatch(request);
    } catch (HttpError e) {
      slot.keepAlive &= !mustClose(request);
      future = CompletableFuture.completedFuture(Reply.error(e, nodeId + ";error"));
    } catch (RuntimeException e) {
      future =
          CompletableFuture.completedFuture(
              replyFor(e)); // a tier bug: 500, logged, connection kept
    }
    if (!slot.keepAlive) {
      closing = true;
      ctx.channel().config().setAutoRead(false);
    }
    if (future.isDone() && !future.isCompletedExceptionally() && !future.isCancelled()) {
      deliver(slot, future.join()); // the hit path: no callback, no hop
      return;
    }
    future.whenComplete(
        (response, failure) -> {
          Response r = failure == null ? response : replyFor(failure);
          if (ctx.executor().inEventLoop()) {
            deliver(slot, r);
            return;
          }
          try {
            ctx.executor().execute(() -> deliver(slot, r));
          } catch (RejectedExecutionException e) {
            r.discard(); // the event loop is gone: so is the connection
          }
        });
  }

  /**
   * Requests after which the connection cannot be trusted: undecodable heads, or a body we do not
   * read.
   */
  private static boolean mustClose(HttpRequest request) {
    return request.decoderResult().isFailure()
        || hasBody(request)
        || request.protocolVersion() != HttpVersion.HTTP_1_1
            && request.protocolVersion() != HttpVersion.HTTP_1_0;
  }

  private static boolean hasBody(HttpRequest request) {
    // Any Transfer-Encoding on a request means a body follows (RFC 9112 section 6.1).
    return request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)
        || HttpUtil.getContentLength(request, 0L) != 0;
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

  /**
   * Everything about a request that is not its target: decoding, version, method, headers, body.
   */
  private static void validate(HttpRequest request) {
    DecoderResult result = request.decoderResult();
    if (result.isFailure()) {
      Throwable cause = result.cause();
      if (cause instanceof TooLongHttpLineException) {
        throw new HttpError(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long");
      }
      if (cause instanceof TooLongHttpHeaderException) {
        throw new HttpError(
            HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request headers too large");
      }
      if (cause instanceof TooLongFrameException) {
        throw new HttpError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request too large");
      }
      throw HttpError.badRequest("malformed request: " + cause.getClass().getSimpleName());
    }
    checkVersion(request.protocolVersion());
    HttpMethod method = request.method();
    if (!HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method)) {
      throw new HttpError(
          HttpResponseStatus.METHOD_NOT_ALLOWED, "method " + method + " not allowed (GET, HEAD)");
    }
    HttpHeaders headers = request.headers();
    if (headers.size() > MAX_HEADER_FIELDS) {
      throw new HttpError(
          HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
          "more than " + MAX_HEADER_FIELDS + " header fields");
    }
    checkHost(request);
    if (hasBody(request)) {
      throw HttpError.badRequest("GET and HEAD requests carry no body");
    }
  }

  private CompletableFuture<? extends Response> dispatch(HttpRequest request) {
    String uri = request.uri();
    int query = uri.indexOf('?');
    ImageUrl url = tier.rewrite(query < 0 ? uri : uri.substring(0, query));
    if (url == null) {
      url = ImageUrl.parse(uri);
    }
    return tier.handle(url, request.headers());
  }

  /**
   * Only HTTP/1.0 and HTTP/1.1, spelled exactly so: the decoder upper-cases the protocol name and
   * accepts any numbers, but the name is case-sensitive (RFC 9112 section 2.3) and other versions
   * are not ours.
   */
  private static void checkVersion(HttpVersion version) {
    if (version == HttpVersion.HTTP_1_1 || version == HttpVersion.HTTP_1_0) {
      return; // the decoder hands out the constants for the exact spellings
    }
    if (!version.protocolName().equals("HTTP")
        || version.majorVersion() == 1
            && (version.minorVersion() == 0 || version.minorVersion() == 1)) {
      throw HttpError.badRequest("malformed HTTP version");
    }
    throw new HttpError(
        HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
        "HTTP version " + version.text() + " not supported (HTTP/1.1, HTTP/1.0)");
  }

  /**
   * RFC 9112 section 3.2: a server MUST answer 400 to an HTTP/1.1 request without a Host header,
   * with more than one, or with an invalid one. HTTP/1.0 requests may omit it.
   */
  private static void checkHost(HttpRequest request) {
    HttpHeaders headers = request.headers();
    String host = headers.get(HttpHeaderNames.HOST);
    if (host == null) {
      if (request.protocolVersion() == HttpVersion.HTTP_1_1) {
        throw HttpError.badRequest("HTTP/1.1 request without a Host header");
      }
      return;
    }
    if (headers.size() > 1) { // (wrk sends Host alone: no iterator then)
      java.util.Iterator<String> hosts = headers.valueStringIterator(HttpHeaderNames.HOST);
      hosts.next();
      if (hosts.hasNext()) {
        throw HttpError.badRequest("more than one Host header");
      }
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      boolean ok =
          c >= 'a' && c <= 'z'
              || c >= 'A' && c <= 'Z'
              || c >= '0' && c <= '9'
              || "-._~!$&'()*+,;=:%[]".indexOf(c) >= 0;
      if (!ok) {
        throw HttpError.badRequest("invalid Host header");
      }
    }
  }

  private Reply replyFor(Throwable failure) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    if (cause instanceof HttpError error) {
      if (error.shouldReport()) {
        LOG.warn("{}: {}", nodeId, error.getMessage(), error.getCause());
      }
      return Reply.error(error, nodeId + ";error");
    }
    if (cause instanceof RejectedExecutionException) {
      return Reply.error(
          HttpResponseStatus.SERVICE_UNAVAILABLE, "overloaded, retry shortly", nodeId + ";error");
    }
    LOG.error("{}: unexpected failure", nodeId, cause);
    return Reply.error(
        HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error", nodeId + ";error");
  }

  private void deliver(Slot slot, Response response) {
    if (slot.abandoned || !ctx.channel().isActive()) {
      response.discard();
      return;
    }
    slot.response = response;
    writeReady();
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
      while ((head = slots.peek()) != null && head.response != null && !head.started) {
        head.started = true;
        wrote = true;
        try {
          head.response.write(head);
        } catch (RuntimeException e) {
          LOG.error("{}: writing a response failed", nodeId, e);
          head.abort();
          return;
        }
        if (!head.ended) {
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
      ctx.flush();
    }
  }

  private void finished(Slot slot) {
    slots.poll();
    long now = System.nanoTime(); // one clock read per response end, not two
    lastActivity = now;
    long nanos = now - slot.startNanos;
    if (observer != null) {
      observer.completed(slot.method, slot.response, slot.bodyBytes, nanos);
    }
    if (accessLog != null) {
      accessLog.log(
          slot.method,
          slot.uri,
          slot.version,
          ctx.channel().remoteAddress(),
          slot.headers,
          slot.response.status().code(),
          slot.response.xCache(),
          slot.bodyBytes,
          nanos);
    }
    if (!slot.keepAlive() || (draining && slots.isEmpty())) {
      encoderCtx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
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
      s.abandoned = true;
      if (s.response != null && !s.started) {
        s.response.discard();
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
    if (idleCheck != null) {
      idleCheck.cancel(false);
      idleCheck = null;
    }
    abandonAll();
    ctx.fireChannelInactive();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) {
      // Nothing read or written for the idle timeout: free the connection.
      ctx.close();
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
    LOG.debug("{}: connection error, closing: {}", nodeId, cause.toString());
    ctx.close();
  }

  /** One request's place in the response order, and the channel its response writes through. */
  private final class Slot implements ResponseChannel {
    final HttpMethod method;
    final HttpHeaders headers;
    final HttpVersion version;
    final String uri;
    final long startNanos;
    boolean keepAlive;
    Response response;
    boolean started;
    boolean ended;
    boolean abandoned;
    long bodyBytes;
    Runnable writableTask;

    Slot(HttpRequest request, boolean keepAlive, long startNanos) {
      this.startNanos = startNanos;
      this.method = request.method();
      this.headers = request.headers();
      this.version = request.protocolVersion();
      this.uri = request.uri();
      this.keepAlive = keepAlive;
    }

    @Override
    public HttpMethod method() {
      return method;
    }

    @Override
    public HttpHeaders requestHeaders() {
      return headers;
    }

    @Override
    public HttpVersion protocolVersion() {
      return version;
    }

    @Override
    public boolean keepAlive() {
      return keepAlive && !(draining && slots.peekLast() == this);
    }

    @Override
    public ByteBufAllocator alloc() {
      return ctx.alloc();
    }

    @Override
    public EventLoop eventLoop() {
      return ctx.channel().eventLoop();
    }

    @Override
    public void write(Object httpObject) {
      if (abandoned) {
        ReferenceCountUtil.release(httpObject);
        return;
      }
      ctx.write(httpObject, ctx.voidPromise());
    }

    @Override
    public void writeEncoded(ByteBuf bytes) {
      if (abandoned) {
        bytes.release();
        return;
      }
      encoderCtx.write(bytes, encoderCtx.voidPromise());
    }

    @Override
    public void flush() {
      if (!abandoned) {
        ctx.flush();
      }
    }

    @Override
    public boolean isWritable() {
      return ctx.channel().isWritable();
    }

    @Override
    public void onWritable(Runnable task) {
      if (abandoned || ctx.channel().isWritable()) {
        ctx.executor().execute(task);
      } else {
        writableTask = task;
      }
    }

    void runWritableTask() {
      Runnable task = writableTask;
      if (task != null) {
        writableTask = null;
        task.run();
      }
    }

    @Override
    public boolean isOpen() {
      return !abandoned && ctx.channel().isActive();
    }

    @Override
    public ChannelFuture closeFuture() {
      return ctx.channel().closeFuture();
    }

    @Override
    public void end(long bodyBytes) {
      if (ended) {
        throw new IllegalStateException(
            "end() called twice for " + method + " (expected: once per response)");
      }
      ended = true;
      this.bodyBytes = bodyBytes;
      if (abandoned) {
        return;
      }
      finished(this);
    }

    @Override
    public void abort() {
      ended = true;
      if (!abandoned) {
        abandonAll();
        ctx.close();
      }
    }
  }
}
