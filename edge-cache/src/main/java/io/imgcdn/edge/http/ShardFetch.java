package io.imgcdn.edge.http;

import io.imgcdn.common.http.AcceptClass;
import io.imgcdn.common.http.ImageObject;
import io.imgcdn.common.http.Reply;
import io.imgcdn.common.upstream.BodyFlow;
import io.imgcdn.common.upstream.BodyReceiver;
import io.imgcdn.common.upstream.ForwardingBodyReceiver;
import io.imgcdn.common.upstream.RoutedClient;
import io.imgcdn.common.upstream.UpstreamClient;
import io.imgcdn.common.upstream.UpstreamException;
import io.imgcdn.edge.cache.CachedObject;
import io.imgcdn.edge.cache.EdgeCache;
import io.imgcdn.edge.cache.Flights;
import io.imgcdn.edge.routing.ShardRouter;
import io.imgcdn.hashring.Node;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One miss's fetch from the shard tier, for every request waiting on it: tries the shards the
 * router gives, in order, within a total deadline, and answers the waiters with what the winner
 * sent.
 */
final class ShardFetch {
  /*
   * Negotiation (notes/VARY.md): the request carries the canonical Accept of the waiters' class, never a
   * client's raw header. A 200 with "Vary: Accept" (and no other token) is stored under accept.key(path)
   * with a marker under path; "Vary: *" or Vary naming another header is relayed and never stored.
   * Three ways a 200 is handled, decided at the head:
   *   STORE  - Content-Length known and within edge.cache.max-object-bytes: the body is copied piece by
   *            piece into one exact-size off-heap buffer (the only copy a miss makes), admitted to the
   *            cache, and every waiter is answered from it. Nothing has been sent yet while it arrives, so
   *            a shard that fails mid-body is retried on the next candidate.
   *   STREAM - larger (or not admissible, or too many bytes already being filled): relayed to the
   *            waiters as it arrives (StreamBroadcast), never stored; a failure mid-body cuts the
   *            clients' responses (the head is out).
   *   COLLECT- anything else (errors, or a 200 without Content-Length): collected on the heap, up to the
   *            client's max-response-bytes, and passed on uncached.
   * Retries: connect failure, timeout, reset or a 5xx before anything was sent go to the next candidate
   * while the deadline allows; the last candidate's 5xx is passed on as it is, and so is a 5xx the shard
   * relayed from the origin (its own X-Cache verdict is not "error": another shard would ask the same
   * origin again). Each attempt but the last gets at most the upstream response timeout for its head, so
   * a silent shard cannot use up the whole deadline. The deadline covers the whole of a STORE body, and
   * the head of a STREAM (whose body is paced by the clients). Health is asked only for the node about to
   * be tried (see ShardRouter).
   * Health and load: every attempt is counted in flight on its shard until it ends; failures and 5xx
   * count against the shard's passive health, successes clear it.
   */
  record Context(
      String nodeId,
      EdgeCache cache,
      ShardRouter router,
      UpstreamClient client,
      ResponsePrefixes prefixes,
      long deadlineNanos,
      long attemptTimeoutNanos,
      long detachAfterNanos,
      long releaseAfterNanos,
      FetchStats stats) {}

  private final Context ctx;
  private final String path;
  private final AcceptClass accept;
  private final String encodedPath;
  private final Flights.Flight flight;
  private List<Node> candidates;
  private long deadline;

  ShardFetch(
      Context ctx, String path, AcceptClass accept, String encodedPath, Flights.Flight flight) {
    this.ctx = ctx;
    this.path = path;
    this.accept = accept;
    this.encodedPath = encodedPath;
    this.flight = flight;
  }

  void start() {
    deadline = System.nanoTime() + ctx.deadlineNanos();
    try {
      candidates = ctx.router().candidates(path);
    } catch (RuntimeException e) {
      answer(
          Reply.error(
              HttpResponseStatus.SERVICE_UNAVAILABLE,
              "shard routing failed: " + e.getMessage(),
              ""),
          "");
      return;
    }
    if (candidates.isEmpty()) {
      answer(
          Reply.error(
              HttpResponseStatus.SERVICE_UNAVAILABLE, "no shard nodes in the cluster file", ""),
          "");
      return;
    }
    attempt(0, 0, null);
  }

  /**
   * Tries the next candidate at or after {@code from} that health lets through, as attempt number
   * {@code tried + 1}. Every attempt but the last gets at most the response timeout for its head,
   * so a slow or silent shard leaves time for the next one; the last gets what is left of the
   * deadline.
   */
  private void attempt(int from, int tried, UpstreamException last) {
    long left = deadline - System.nanoTime();
    int attempts = ctx.router().attempts();
    int index = from;
    while (index < candidates.size()
        && tried < attempts
        && !ctx.router().isUp(candidates.get(index))) {
      index++;
    }
    boolean fallback = false;
    if (left > 0 && tried == 0 && index >= candidates.size()) {
      index = 0; // every candidate is down: try the owner anyway
      fallback = true;
    } else if (left <= 0 || index >= candidates.size() || tried >= attempts) {
      boolean timeout = left <= 0 || last != null && last.kind() == UpstreamException.Kind.TIMEOUT;
      answer(
          Reply.error(
              timeout ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.BAD_GATEWAY,
              "shard tier unavailable" + (timeout ? " (timeout)" : ""),
              ""),
          "");
      return;
    }
    Node node = candidates.get(index);
    boolean lastChance = fallback || tried + 1 >= attempts || index + 1 >= candidates.size();
    long headTimeout = lastChance ? left : Math.min(left, ctx.attemptTimeoutNanos());
    ctx.stats().attempts.increment();
    if (tried > 0) {
      ctx.stats().retries.increment();
    }
    ctx.router().started(node);
    HttpHeaders extra =
        new DefaultHttpHeaders().set(HttpHeaderNames.ACCEPT, accept.canonicalAccept());
    ctx.client()
        .exchange(
            node.address(),
            HttpMethod.GET,
            encodedPath,
            extra,
            java.time.Duration.ofNanos(headTimeout),
            new Attempt(index, tried, lastChance, node));
  }

  /**
   * Asks for the rest of a relayed object for a detached or released client: the shard that sent
   * the relay first, then the key's other candidates that are up (at most edge.upstream.attempts in
   * all) while the answer is a failure before its head or a 5xx. Any shard will do: If-Range with
   * the ETag makes one whose copy differs answer 200, which RestOfStream turns into a cut, never a
   * splice.
   */
  private void fetchRest(Node node, long from, long to, String etag, BodyReceiver receiver) {
    List<Node> order = new ArrayList<>();
    order.add(node);
    for (Node n : candidates) {
      if (order.size() < ctx.router().attempts() && !n.equals(node) && ctx.router().isUp(n)) {
        order.add(n);
      }
    }
    new RestFailover(order, from, to, etag, receiver).next();
  }

  private void fetchRestFrom(Node node, long from, long to, String etag, BodyReceiver receiver) {
    HttpHeaders extra =
        new DefaultHttpHeaders()
            .set(HttpHeaderNames.ACCEPT, accept.canonicalAccept())
            .set(HttpHeaderNames.RANGE, "bytes=" + from + "-" + to)
            .set(HttpHeaderNames.IF_RANGE, etag);
    ctx.stats().attempts.increment();
    ctx.router().started(node);
    ctx.client()
        .exchange(
            node.address(),
            HttpMethod.GET,
            encodedPath,
            extra,
            java.time.Duration.ofNanos(ctx.attemptTimeoutNanos()),
            new Tracked(node, receiver));
  }

  /**
   * A rest request that moves on to the next shard while the answer is a failure before its head or
   * a 5xx.
   */
  private final class RestFailover extends ForwardingBodyReceiver {
    private final List<Node> order;
    private final long from;
    private final long to;
    private final String etag;
    private int tried;

    RestFailover(List<Node> order, long from, long to, String etag, BodyReceiver target) {
      super(target);
      this.order = order;
      this.from = from;
      this.to = to;
      this.etag = etag;
    }

    void next() {
      Node node = order.get(tried++);
      if (tried > 1) {
        ctx.stats().retries.increment();
      }
      fetchRestFrom(node, from, to, etag, this);
    }

    @Override
    public void head(HttpResponse head, BodyFlow flow) {
      if (head.status().code() >= 500 && tried < order.size()) {
        flow.cancel();
        next();
        return;
      }
      target.head(head, flow);
    }

    @Override
    public void failed(UpstreamException failure, boolean headSeen) {
      if (!headSeen && tried < order.size()) {
        next();
        return;
      }
      target.failed(failure, headSeen);
    }
  }

  /**
   * One request to {@code node} is over: no longer in flight there, and counted for or against its
   * health.
   */
  private void requestEnded(Node node, boolean healthy) {
    ctx.router().finished(node);
    if (healthy) {
      ctx.router().health().success(node.id());
    } else {
      ctx.router().health().failure(node.id());
    }
  }

  /**
   * Counts one request in flight on its shard until it ends, fails or is cancelled, and its health.
   */
  private final class Tracked implements BodyReceiver {
    private final Node node;
    private final BodyReceiver receiver;
    private final java.util.concurrent.atomic.AtomicBoolean done =
        new java.util.concurrent.atomic.AtomicBoolean();

    Tracked(Node node, BodyReceiver receiver) {
      this.node = node;
      this.receiver = receiver;
    }

    private void done(boolean healthy) {
      if (done.compareAndSet(false, true)) {
        requestEnded(node, healthy);
      }
    }

    @Override
    public void head(HttpResponse head, BodyFlow flow) {
      receiver.head(
          head,
          new BodyFlow() {
            @Override
            public void pause() {
              flow.pause();
            }

            @Override
            public void resume() {
              flow.resume();
            }

            @Override
            public void cancel() {
              flow.cancel();
              done(true); // the client left or the answer did not fit: not the shard's failure
            }

            @Override
            public io.netty.util.concurrent.EventExecutor executor() {
              return flow.executor();
            }
          });
    }

    @Override
    public void content(ByteBuf piece) {
      receiver.content(piece);
    }

    @Override
    public void end() {
      done(true);
      receiver.end();
    }

    @Override
    public void failed(UpstreamException failure, boolean headSeen) {
      done(false);
      receiver.failed(failure, headSeen);
    }
  }

  /** Answers every waiter with a heap reply, each with its own verdict in front of the chain. */
  private void answer(Reply reply, String upstreamChain) {
    for (Flights.Waiter w : flight.close()) {
      w.future().complete(new Reply(reply.status(), reply.object(), chainFor(w, upstreamChain)));
    }
  }

  private String chainFor(Flights.Waiter w, String upstreamChain) {
    return Reply.chain(ctx.nodeId(), w.leader() ? "miss" : "coalesced", upstreamChain);
  }

  /**
   * Whether a Vary value names Accept and nothing else (a comma list, any case, blanks allowed).
   */
  static boolean varyIsAcceptOnly(String vary) {
    boolean accept = false;
    for (String token : vary.split(",")) {
      String t = token.strip();
      if (t.equalsIgnoreCase(AcceptClass.VARY)) {
        accept = true;
      } else if (!t.isEmpty()) {
        return false;
      }
    }
    return accept;
  }

  private enum Mode {
    NONE,
    STORE,
    STREAM,
    COLLECT
  }

  /** One shard's try; all calls on that shard connection's event loop. */
  private final class Attempt implements BodyReceiver {
    private final int index;
    private final int tried;
    private final boolean lastChance;
    private final Node node;
    private Mode mode = Mode.NONE;
    private HttpResponse head;
    private BodyFlow flow;
    private String upstreamChain = "";
    private CachedObject.Builder builder;
    private StreamBroadcast broadcast;
    private CompositeByteBuf collected;
    private ScheduledFuture<?> storeDeadline;
    private boolean relayed;
    private boolean varying;
    private boolean over;

    Attempt(int index, int tried, boolean lastChance, Node node) {
      this.index = index;
      this.tried = tried;
      this.lastChance = lastChance;
      this.node = node;
    }

    /** Moves on to the next candidate after this one failed. */
    private void next(UpstreamException failure) {
      if (lastChance) {
        attempt(candidates.size(), tried + 1, failure); // answers with the failure
      } else {
        attempt(index + 1, tried + 1, failure);
      }
    }

    @Override
    public void head(HttpResponse head, BodyFlow flow) {
      this.head = head;
      this.flow = flow;
      int status = head.status().code();
      HttpHeaders h = head.headers();
      upstreamChain = h.get("X-Cache", "");
      relayed = RoutedClient.relayedFailure(node.id(), status, upstreamChain);
      if (status >= 500 && !relayed && !lastChance && deadline - System.nanoTime() > 0) {
        flow.cancel();
        over(false);
        next(
            new UpstreamException(
                UpstreamException.Kind.CLOSED, node.address(), "answered " + status, null));
        return;
      }
      long length = HttpUtil.getContentLength(head, -1L);
      String vary = h.get(HttpHeaderNames.VARY);
      varying = vary != null && varyIsAcceptOnly(vary);
      boolean storable =
          vary == null || vary.isBlank() || varying; // Vary: * or other headers: relay, never store
      if (status == 200 && length >= 0 && storable && ctx.cache().admissible(length)) {
        builder =
            ctx.cache()
                .tryBuilder(
                    h.get(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream"),
                    h.get(HttpHeaderNames.ETAG, ""),
                    h.get(HttpHeaderNames.CACHE_CONTROL, ImageObject.IMMUTABLE),
                    h.get(HttpHeaderNames.VARY),
                    (int) length);
      }
      if (builder != null) {
        mode = Mode.STORE;
        storeDeadline =
            flow.executor()
                .schedule(
                    this::storeTimedOut,
                    Math.max(1, deadline - System.nanoTime()),
                    TimeUnit.NANOSECONDS);
      } else if (status == 200 && length >= 0) {
        mode = Mode.STREAM;
        ctx.stats().streamed.increment();
        broadcast =
            new StreamBroadcast(
                head,
                flow,
                ctx.stats(),
                () -> {
                  if (!over) {
                    over(true); // every client left: not the shard's failure
                  }
                },
                ctx.detachAfterNanos(),
                ctx.releaseAfterNanos(),
                (from, to, etag, receiver) -> fetchRest(node, from, to, etag, receiver));
        for (Flights.Waiter w : flight.close()) {
          w.future().complete(broadcast.subscribe(chainFor(w, upstreamChain)));
        }
        broadcast.start();
      } else {
        mode = Mode.COLLECT;
      }
    }

    @Override
    public void content(ByteBuf piece) {
      switch (mode) {
        case STORE -> {
          try {
            builder.append(piece);
          } finally {
            piece.release();
          }
        }
        case STREAM -> {
          ctx.stats().streamedBytes.add(piece.readableBytes());
          broadcast.piece(piece);
        }
        case COLLECT -> {
          if (collected == null) {
            collected = piece.alloc().compositeBuffer(Integer.MAX_VALUE);
          }
          collected.addComponent(true, piece);
          if (collected.readableBytes() > ctx.client().settings().maxResponseBytes()) {
            flow.cancel();
            failed(
                new UpstreamException(
                    UpstreamException.Kind.TOO_LARGE,
                    node.address(),
                    "body exceeds " + ctx.client().settings().maxResponseBytes() + " bytes",
                    null),
                true);
          }
        }
        case NONE -> piece.release();
      }
    }

    @Override
    public void end() {
      if (over) {
        return;
      }
      over(head.status().code() < 500 || relayed); // a relayed 5xx is not this shard's failure
      switch (mode) {
        case STORE -> store();
        case STREAM -> broadcast.end();
        case COLLECT -> {
          byte[] bytes = collected == null ? new byte[0] : ByteBufUtil.getBytes(collected);
          if (collected != null) {
            collected.release();
            collected = null;
          }
          HttpHeaders h = head.headers();
          String type = h.get(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
          Reply reply =
              head.status().code() == 200
                  ? Reply.ok(
                      new ImageObject(
                          type,
                          h.get(HttpHeaderNames.ETAG, ""),
                          h.get(HttpHeaderNames.CACHE_CONTROL, ImageObject.IMMUTABLE),
                          bytes),
                      "")
                  : new Reply(head.status(), new ImageObject(type, "", "no-store", bytes), "");
          answer(reply, upstreamChain);
        }
        case NONE -> {}
      }
    }

    private void store() {
      CachedObject object;
      try {
        object = builder.build(upstreamChain);
      } catch (RuntimeException e) {
        builder.abandon();
        answer(
            Reply.error(HttpResponseStatus.BAD_GATEWAY, "shard sent a short body", ""),
            upstreamChain);
        return;
      }
      ctx.stats().stored.increment();
      try {
        if (varying) {
          ctx.cache().admitVarying(path, accept, object);
        } else {
          ctx.cache().admit(path, object);
        }
        for (Flights.Waiter w : flight.close()) {
          w.future()
              .complete(
                  new CachedResponse(
                      object.retain(), ctx.prefixes(), null, chainFor(w, upstreamChain)));
        }
      } finally {
        object.release();
      }
    }

    private void storeTimedOut() {
      if (!over) {
        flow.cancel();
        failed(
            new UpstreamException(
                UpstreamException.Kind.TIMEOUT,
                node.address(),
                "body not complete within the deadline",
                null),
            true);
      }
    }

    @Override
    public void failed(UpstreamException failure, boolean headSeen) {
      if (over) {
        return;
      }
      over(false);
      switch (mode) {
        case STREAM -> broadcast.abort();
        case STORE -> {
          builder.abandon();
          next(failure);
        }
        case COLLECT -> {
          if (collected != null) {
            collected.release();
            collected = null;
          }
          next(failure);
        }
        case NONE -> next(failure);
      }
    }

    private void over(boolean healthy) {
      over = true;
      if (storeDeadline != null) {
        storeDeadline.cancel(false);
      }
      requestEnded(node, healthy);
    }
  }
}
