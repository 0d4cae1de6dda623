package io.imgcdn.edge.http;

import io.imgcdn.common.http.AcceptClass;
import io.imgcdn.common.http.HttpError;
import io.imgcdn.common.http.Reply;
import io.imgcdn.common.upstream.BodyFlow;
import io.imgcdn.common.upstream.BodyReceiver;
import io.imgcdn.common.upstream.CandidateWalk;
import io.imgcdn.common.upstream.Deadline;
import io.imgcdn.common.upstream.Spill;
import io.imgcdn.common.upstream.UpstreamClient;
import io.imgcdn.common.upstream.UpstreamException;
import io.imgcdn.common.upstream.UpstreamResponse;
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
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * One miss's fetch from the shard tier, for every request waiting on it: tries the shards the
 * router gives as {@link CandidateWalk} says, within a total deadline, and answers the waiters with
 * what the winner sent.
 */
final class ShardFetch {
  /*
   * Negotiation (docs/EDGE.md): the request carries the canonical Accept of the waiters' class,
   * never a client's raw header. A 200 with "Vary: Accept" (and no other token) is stored under
   * accept.key(path) with a marker under path; "Vary: *" or Vary naming another header is relayed
   * and never stored. Three ways a 200 is handled, decided at the head:
   *   STORE  - Content-Length known and within edge.cache.max-object-bytes: the body is copied piece by
   *            piece into one exact-size off-heap buffer (the only copy a miss makes), admitted to the
   *            cache, and every waiter is answered from it. Nothing has been sent yet while it arrives, so
   *            a shard that fails mid-body is retried on the next candidate.
   *   STREAM - larger (or not admissible, or too many bytes already being filled): relayed to the
   *            waiters as it arrives (StreamBroadcast), never stored; a failure mid-body cuts the
   *            clients' responses (the head is out).
   *   COLLECT- anything else (errors, or a 200 without Content-Length): collected on the heap, up to the
   *            client's max-response-bytes, and passed on uncached.
   * Retries follow CandidateWalk (which shard next, 5xx of its own or relayed, time per attempt, health);
   * what is particular here is when a failure may still move on: before anything was sent to a waiter,
   * so a STORE or COLLECT body that fails also goes to the next candidate, a STREAM body cuts. The
   * deadline covers the whole of a STORE body, and the head of a STREAM (whose body is paced by the
   * clients). Every request tells its shard how long it is waited for (Deadline.HEADER: the attempt's
   * timeout), so the shard and the origin behind it stop when this edge does.
   * Errors: when no shard answered in time (or routing failed, or a body came short), every waiter gets
   * a body naming this node and the cause ("edge-1: shard tier unavailable (timeout)"), with its own
   * verdict (miss, coalesced): the tier behind it failed. A shard's 5xx is passed on as it came, naming
   * the tier that failed.
   * Load: every attempt is counted in flight on its shard until it ends (ShardRouter's bounded loads).
   * A miss the router moved off its owner for load asks the stand-in with Spill.HEADER (and is
   * counted, imgcdn_edge_spills_total); a retry on the owner after it goes without.
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
  private List<Node> candidates = List.of();
  private @Nullable Node spilledTo;
  private CandidateWalk walk;

  ShardFetch(
      Context ctx, String path, AcceptClass accept, String encodedPath, Flights.Flight flight) {
    this.ctx = ctx;
    this.path = path;
    this.accept = accept;
    this.encodedPath = encodedPath;
    this.flight = flight;
  }

  void start() {
    try {
      ShardRouter.Route route = ctx.router().route(path);
      candidates = route.candidates();
      if (route.spilled()) {
        spilledTo = candidates.get(0);
        ctx.stats().spills.increment();
      }
    } catch (RuntimeException e) {
      fail(
          new HttpError(
              HttpResponseStatus.SERVICE_UNAVAILABLE, "shard routing failed: " + e.getMessage()),
          "");
      return;
    }
    walk =
        CandidateWalk.ownerFirst(
            "shard",
            candidates,
            ctx.router().health(),
            new CandidateWalk.Limits(
                ctx.router().attempts(),
                Duration.ofNanos(ctx.attemptTimeoutNanos()),
                Duration.ofNanos(ctx.deadlineNanos())));
    attempt();
  }

  /** Tries the walk's next shard, or answers with why there is none. */
  private void attempt() {
    CandidateWalk.Attempt attempt = walk.next();
    if (attempt == null) {
      fail(walk.unavailable(), "");
      return;
    }
    send(
        attempt,
        new DefaultHttpHeaders().set(HttpHeaderNames.ACCEPT, accept.canonicalAccept()),
        new Attempt(attempt));
  }

  /** Sends one attempt's request, counted in flight on its shard until {@link #finished}. */
  private void send(CandidateWalk.Attempt attempt, HttpHeaders extra, BodyReceiver receiver) {
    ctx.stats().attempts.increment();
    if (attempt.retry()) {
      ctx.stats().retries.increment();
    }
    ctx.router().started(attempt.node());
    HttpHeaders headers = new DefaultHttpHeaders().add(extra);
    if (attempt.node().equals(spilledTo)) {
      headers.set(Spill.HEADER, "1"); // the stand-in relays the owner's copy, never fills
    }
    ctx.client()
        .exchange(
            attempt.node().address(),
            HttpMethod.GET,
            encodedPath,
            Deadline.put(headers, attempt.timeout()),
            attempt.timeout(),
            receiver);
  }

  /**
   * Asks for the rest of a relayed object for a detached or released client: the shard that sent
   * the relay first, then the key's other candidates that are up (at most edge.upstream.attempts in
   * all, each within the response timeout) while the answer is a failure before its head or a 5xx
   * of the shard's own. Any shard will do: If-Range with the ETag makes one whose copy differs
   * answer 200, which RestOfStream turns into a cut, never a splice.
   */
  private void fetchRest(Node sender, long from, long to, String etag, BodyReceiver receiver) {
    HttpHeaders extra =
        new DefaultHttpHeaders()
            .set(HttpHeaderNames.ACCEPT, accept.canonicalAccept())
            .set(HttpHeaderNames.RANGE, "bytes=" + from + "-" + to)
            .set(HttpHeaderNames.IF_RANGE, etag);
    CandidateWalk rest =
        CandidateWalk.startingWith(
            sender,
            "shard",
            candidates,
            ctx.router().health(),
            new CandidateWalk.Limits(
                ctx.router().attempts(), Duration.ofNanos(ctx.attemptTimeoutNanos()), null));
    CandidateWalk.Attempt first =
        Objects.requireNonNull(rest.next(), "a walk starting with a node tries it");
    send(first, extra, new RestAttempt(rest, first, extra, receiver));
  }

  /**
   * One shard's try at a rest request: moves on while it fails before its head or answers a 5xx of
   * its own; else passes the answer on, counted for or against the shard when it is over.
   */
  private final class RestAttempt implements BodyReceiver {
    private final CandidateWalk walk;
    private final CandidateWalk.Attempt attempt;
    private final HttpHeaders extra;
    private final BodyReceiver target;
    private final AtomicBoolean over = new AtomicBoolean();
    private int status;
    private @Nullable String xCache;

    RestAttempt(
        CandidateWalk walk, CandidateWalk.Attempt attempt, HttpHeaders extra, BodyReceiver target) {
      this.walk = walk;
      this.attempt = attempt;
      this.extra = extra;
      this.target = target;
    }

    private void moveOn(UpstreamException failure) {
      CandidateWalk.Attempt next = walk.next();
      if (next == null) {
        target.failed(failure, false);
      } else {
        send(next, extra, new RestAttempt(walk, next, extra, target));
      }
    }

    @Override
    public void head(HttpResponse head, BodyFlow flow) {
      status = head.status().code();
      xCache = head.headers().get("X-Cache");
      UpstreamException refused = walk.refuses(attempt, status, xCache);
      if (refused != null) {
        over.set(true);
        finished(attempt);
        flow.cancel();
        moveOn(refused);
        return;
      }
      target.head(
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
              answered(); // the client left or the answer was not the rest: judged by its status
            }

            @Override
            public EventExecutor executor() {
              return flow.executor();
            }
          });
    }

    @Override
    public void content(ByteBuf piece) {
      target.content(piece);
    }

    @Override
    public void end() {
      answered();
      target.end();
    }

    @Override
    public void failed(UpstreamException failure, boolean headSeen) {
      if (over.compareAndSet(false, true)) {
        finished(attempt);
        walk.failed(attempt, failure);
      }
      if (headSeen) {
        target.failed(failure, true);
      } else {
        moveOn(failure);
      }
    }

    private void answered() {
      if (over.compareAndSet(false, true)) {
        finished(attempt);
        walk.answered(attempt, status, xCache);
      }
    }
  }

  /** One request to a shard is over: no longer in flight there. */
  private void finished(CandidateWalk.Attempt attempt) {
    ctx.router().finished(attempt.node());
  }

  /** Answers every waiter with a heap reply, each with its own verdict in front of the chain. */
  private void answer(Reply reply, String upstreamChain) {
    for (Flights.Waiter w : flight.close()) {
      w.future().complete(new Reply(reply.status(), reply.object(), chainFor(w, upstreamChain)));
    }
  }

  /** Answers every waiter with a failure met by this fetch, naming this node and the cause. */
  private void fail(HttpError error, String upstreamChain) {
    answer(Reply.error(error.at(ctx.nodeId()), ""), upstreamChain);
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
    private final CandidateWalk.Attempt attempt;
    private Mode mode = Mode.NONE;
    private HttpResponse head;
    private BodyFlow flow;
    private String upstreamChain = "";
    private CachedObject.Builder builder;
    private StreamBroadcast broadcast;
    private CompositeByteBuf collected;
    private ScheduledFuture<?> storeDeadline;
    private boolean varying;
    private boolean over;

    Attempt(CandidateWalk.Attempt attempt) {
      this.attempt = attempt;
    }

    @Override
    public void head(HttpResponse head, BodyFlow flow) {
      this.head = head;
      this.flow = flow;
      int status = head.status().code();
      HttpHeaders h = head.headers();
      upstreamChain = h.get("X-Cache", "");
      if (walk.refuses(attempt, status, upstreamChain) != null) {
        flow.cancel();
        over();
        attempt();
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
                    UpstreamResponse.contentType(h),
                    UpstreamResponse.etag(h),
                    UpstreamResponse.lastModified(h),
                    UpstreamResponse.cacheControl(h),
                    h.get(HttpHeaderNames.VARY),
                    (int) length);
      }
      if (builder != null) {
        mode = Mode.STORE;
        storeDeadline =
            flow.executor()
                .schedule(this::storeTimedOut, Math.max(1, walk.nanosLeft()), TimeUnit.NANOSECONDS);
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
                    answered(); // every client left: not the shard's failure
                  }
                },
                ctx.detachAfterNanos(),
                ctx.releaseAfterNanos(),
                (from, to, etag, receiver) -> fetchRest(attempt.node(), from, to, etag, receiver));
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
                    attempt.node().address(),
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
      answered();
      switch (mode) {
        case STORE -> store();
        case STREAM -> broadcast.end();
        case COLLECT -> {
          byte[] bytes = collected == null ? new byte[0] : ByteBufUtil.getBytes(collected);
          if (collected != null) {
            collected.release();
            collected = null;
          }
          answer(
              new UpstreamResponse(head.status().code(), head.headers(), bytes).toReply(""),
              upstreamChain);
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
        fail(
            new HttpError(HttpResponseStatus.BAD_GATEWAY, "shard sent a short body"),
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
                attempt.node().address(),
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
      over();
      walk.failed(attempt, failure);
      switch (mode) {
        case STREAM -> broadcast.abort();
        case STORE -> {
          builder.abandon();
          attempt();
        }
        case COLLECT -> {
          if (collected != null) {
            collected.release();
            collected = null;
          }
          attempt();
        }
        case NONE -> attempt();
      }
    }

    /** The answer taken is over: counted for the shard, or against it for a 5xx of its own. */
    private void answered() {
      over();
      walk.answered(attempt, head.status().code(), upstreamChain);
    }

    private void over() {
      over = true;
      if (storeDeadline != null) {
        storeDeadline.cancel(false);
      }
      finished(attempt);
    }
  }
}
