package io.imgcdn.common.http;

import io.imgcdn.common.accesslog.AccessLog;
import io.imgcdn.common.url.ImageUrl;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Between a connection's protocol handler and the {@link Tier}, the same on every protocol: asks
 * the tier for each request's response (command, fast path, rewrite, parse, handle), turns refusals
 * and failures into error replies, and tells the observer and the access log about every finished
 * response. One per connection, shared by its streams; {@link ObjectServerHandler} (HTTP/1.1) and
 * {@link StreamRequestHandler} (HTTP/2 and HTTP/3 streams) call it on the connection's event loop.
 */
public final class TierDispatch {
  /*
   * Hit path: a fast-path answer, or a future the tier returns already completed, goes to the exchange at
   * once: no parse (fast path), no callback, no hop. A future completed later on another thread hops back
   * to the exchange's event loop; if that loop is gone, so is the connection, and the response is
   * discarded. Errors: a request the validator refused carries its HttpError as its DecoderResult's cause
   * and is answered with it; an HttpError from the tier is its status (logged when it is a 5xx);
   * RejectedExecutionException is a full executor queue, 503 with Retry-After; anything else is a bug,
   * logged, 500, and the connection stays usable.
   */
  private static final Logger LOG = LoggerFactory.getLogger(TierDispatch.class);

  /**
   * The path health probes ask for on the serving port (a load balancer's, an edge's toward its
   * shards): answered 200 by every tier without asking it, never counted or logged. Reserved: an
   * object stored under the key ".imgcdn/health" cannot be served (any other key can).
   */
  public static final String HEALTH_PATH = "/.imgcdn/health";

  /** The verdict of a health probe's 503 while the node retires ("shard-1;draining"). */
  public static final String DRAINING = "draining";

  private static final byte[] HEALTHY = "ok\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private final String nodeId;
  private final String errorChain;
  private final String healthChain;
  private final String drainingChain;
  private final Tier tier;
  private final @Nullable ResponseObserver observer;
  private @Nullable AccessLog accessLog;

  /** The node is retiring: health probes answer 503 draining. On the connection's loop. */
  private boolean retiring;

  /** Requests of this connection waiting for the tier's answer; on the connection's loop. */
  private int awaiting;

  /**
   * @param nodeId this node's id, for X-Cache ("edge-1;error") and logs
   * @param observer told about every finished response; null: none
   */
  public TierDispatch(String nodeId, Tier tier, @Nullable ResponseObserver observer) {
    this.nodeId = nodeId;
    this.errorChain = nodeId + ";error";
    this.healthChain = nodeId + ";health";
    this.drainingChain = nodeId + ";" + DRAINING;
    this.tier = tier;
    this.observer = observer;
  }

  /**
   * Whether a request of this connection waits for the tier's answer (an upstream fetch): the
   * connection is not idle then, whatever its streams' clients do.
   */
  public boolean awaitingTier() {
    return awaiting > 0;
  }

  /**
   * The node is retiring ({@link ServerConnections#RETIRE}): from now on health probes answer 503
   * with the verdict "draining" ("shard-1;draining"), so a load balancer takes this node out and an
   * edge waits for a shard that restarts rather than sending its keys elsewhere.
   */
  public void retire() {
    retiring = true;
  }

  /** Whether the tier answers OPTIONS (the validator lets it through then). */
  public boolean answersPreflight() {
    return tier.answersPreflight();
  }

  /** The tier's extra method, which the validator lets through; null: none. */
  @Nullable HttpMethod extraMethod() {
    return tier.extraMethod();
  }

  String nodeId() {
    return nodeId;
  }

  /** Every finished response is also written to {@code log} (null: none). Set before serving. */
  public TierDispatch accessLog(@Nullable AccessLog log) {
    this.accessLog = log;
    return this;
  }

  /**
   * Hands the response to {@code request} to {@code exchange}: at once when it is known at once,
   * else when the tier's future completes. Never throws.
   */
  void dispatch(HttpRequest request, Exchange exchange) {
    Response answer;
    try {
      DecoderResult decoded = request.decoderResult();
      exchange.policy = tier;
      if (!decoded.isFailure() && isHealthProbe(request.uri())) {
        exchange.probe = true;
        exchange.respond(
            retiring
                ? Reply.error(HttpResponseStatus.SERVICE_UNAVAILABLE, "draining", drainingChain)
                : Reply.ok(
                    new ImageObject("text/plain; charset=utf-8", "", "no-store", HEALTHY),
                    healthChain));
        return;
      }
      HttpMethod method = request.method();
      CompletableFuture<? extends Response> command;
      if (decoded.isFailure()) {
        answer = replyFor(decoded.cause());
      } else if ((command = tier.command(method, request.uri(), request.headers())) != null) {
        // the tier's own action (a cache buster's purge)
        Response done = nowOrLater(command, exchange);
        if (done == null) {
          return;
        }
        answer = done;
      } else if (HttpMethod.OPTIONS.equals(method)) { // the validator let it through
        Response preflight = tier.preflight(request.uri(), request.headers());
        answer =
            preflight != null
                ? preflight
                : replyFor(
                    new HttpError(HttpResponseStatus.METHOD_NOT_ALLOWED, "OPTIONS not allowed"));
      } else if (!HttpMethod.GET.equals(method) && !HttpMethod.HEAD.equals(method)) {
        // the tier's extra method, declined by command()
        answer =
            replyFor(
                new HttpError(
                    HttpResponseStatus.METHOD_NOT_ALLOWED, "method " + method + " not allowed"));
      } else {
        Response hit = tier.fastPath(request.uri(), request.headers());
        if (hit == null) {
          hit = nowOrLater(tier.handle(url(request.uri()), request.headers()), exchange);
          if (hit == null) {
            return;
          }
        }
        answer = hit;
      }
    } catch (RuntimeException e) {
      answer = replyFor(e);
    }
    exchange.respond(answer);
  }

  /**
   * The response of {@code later} if it is done; else null, and the response goes to {@code
   * exchange} when it completes.
   */
  private @Nullable Response nowOrLater(
      CompletableFuture<? extends Response> later, Exchange exchange) {
    if (later.state() == Future.State.SUCCESS) {
      return later.resultNow();
    }
    awaiting++;
    // whenComplete throws nothing: an action that throws fails only the future it returns
    later.whenComplete(
        (response, failure) ->
            answerLater(exchange, failure == null ? response : replyFor(failure)));
    return null;
  }

  private static boolean isHealthProbe(String uri) {
    return uri.startsWith(HEALTH_PATH)
        && (uri.length() == HEALTH_PATH.length() || uri.charAt(HEALTH_PATH.length()) == '?');
  }

  private ImageUrl url(String uri) {
    int query = uri.indexOf('?');
    ImageUrl url = tier.rewrite(query < 0 ? uri : uri.substring(0, query));
    return url != null ? url : ImageUrl.parse(uri);
  }

  private void answerLater(Exchange exchange, Response response) {
    EventLoop loop = exchange.eventLoop();
    if (loop.inEventLoop()) {
      awaiting--;
      exchange.respond(response);
      return;
    }
    try {
      loop.execute(
          () -> {
            awaiting--;
            exchange.respond(response);
          });
    } catch (RejectedExecutionException e) {
      response.discard(); // the event loop is gone: so is the connection
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
      return Reply.error(error, errorChain);
    }
    if (cause instanceof RejectedExecutionException) {
      return Reply.error(
          HttpResponseStatus.SERVICE_UNAVAILABLE, "overloaded, retry shortly", errorChain);
    }
    LOG.error("{}: unexpected failure", nodeId, cause);
    return Reply.error(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error", errorChain);
  }

  /**
   * Lets the exchange's response write itself. A response that throws (a bug) is logged and its
   * exchange aborted; returns false then.
   */
  boolean write(Exchange exchange) {
    try {
      exchange.response().write(exchange);
      return true;
    } catch (RuntimeException e) {
      LOG.error("{}: writing a response failed", nodeId, e);
      exchange.abort();
      return false;
    }
  }

  /**
   * The exchange's response has ended: tells the observer and the access log, under the status
   * actually sent. Health probes are neither.
   */
  void completed(Exchange exchange) {
    if (exchange.probe) {
      return;
    }
    long nanos = System.nanoTime() - exchange.startNanos();
    Response response = exchange.response();
    int status = exchange.sentStatus() != 0 ? exchange.sentStatus() : response.status().code();
    if (observer != null) {
      observer.completed(
          exchange.protocol(), exchange.method(), response, status, exchange.bodyBytes(), nanos);
    }
    if (accessLog != null) {
      accessLog.log(
          exchange.method(),
          exchange.uri(),
          exchange.protocolVersion(),
          exchange.remoteAddress(),
          exchange.requestHeaders(),
          status,
          response.xCache(),
          exchange.bodyBytes(),
          nanos);
    }
  }
}
