package io.imgcdn.shard.http;

import io.imgcdn.common.cluster.ClusterView;
import io.imgcdn.common.http.AcceptClass;
import io.imgcdn.common.http.FirstPart;
import io.imgcdn.common.http.HttpError;
import io.imgcdn.common.http.ImageObject;
import io.imgcdn.common.http.NegativeCache;
import io.imgcdn.common.http.Reply;
import io.imgcdn.common.http.Response;
import io.imgcdn.common.http.Tier;
import io.imgcdn.common.upstream.Coalescer;
import io.imgcdn.common.upstream.Deadline;
import io.imgcdn.common.upstream.RoutedClient;
import io.imgcdn.common.upstream.Spill;
import io.imgcdn.common.upstream.UpstreamClient;
import io.imgcdn.common.upstream.UpstreamResponse;
import io.imgcdn.common.url.ImageUrl;
import io.imgcdn.hashring.Node;
import io.imgcdn.hashring.NodeLocator;
import io.imgcdn.shard.store.ChunkUnavailableException;
import io.imgcdn.shard.store.ChunkedBody;
import io.imgcdn.shard.store.DirectObject;
import io.imgcdn.shard.store.LogSafe;
import io.imgcdn.shard.store.ShardStore;
import io.imgcdn.shard.store.StoreHit;
import io.imgcdn.shard.store.StoredObject;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a shard does with a request: answer from its RocksDB store, or fill from the key's previous
 * owner (after a membership change) or the origin tier, one fill per key however many edges ask,
 * and store it.
 */
public final class ShardTier implements Tier {
  /*
   * Store keys are "objectKey \u0001 path" (a control character cannot occur in a parsed URL): every
   * variant of one original sorts next to it, so a purge of an original is one key range. The origin is
   * picked by hashing the OBJECT key, so every variant of one original meets on one origin, where one S3
   * GET serves them all (docs/ARCHITECTURE.md).
   *
   * Hit path. A hit is first looked for in memory on the event loop (ShardStore.getCached: RocksDB's
   * memtables and block cache with ReadTier.BLOCK_CACHE_TIER, which answers Incomplete instead of reading
   * a file, so the event loop never does disk I/O); only when that cannot answer does the lookup go to the
   * store's threads (find) and the answer hop back. Either way the value is copied once, from RocksDB
   * into a pooled direct buffer, which goes to the socket as it is (StoredResponse): no body on the heap,
   * no copy into a direct buffer by the transport. bench/results/2026-11-shard-vs-ats.md has the
   * profile that led here. A body stored in chunks (over 1 MiB) is not read whole: ChunkedResponse
   * sends it chunk by chunk as the connection drains, so a slow client holds a chunk or two, not a
   * 15 MB picture.
   *
   * Vary: Accept (docs/SHARD-STORE.md; AcceptClass). A response that varies by Accept is stored
   * under objectKey \u0001 C.key(path) for the request's class C, with a marker entry (no body)
   * under the plain key saying "look up the class". A lookup that finds the marker looks up the
   * class's key. Fills send C's canonical Accept upstream, never the client's raw header, and are
   * coalesced per class for variants (whether a preset negotiates is known only from its first
   * response), per path for originals. Vary naming anything else (or *) is passed on and not
   * stored.
   *
   * Hand-off: when a shard joins, the keys it now owns are still cached on their previous owners. For
   * a while after a membership change (shard.handoff-window), a miss first asks the key's previous owner
   * with HANDOFF_HEADER (and the canonical Accept), which answers from its store only (hit, or 404
   * without going to the origin), so adding a shard to a warm cluster does not send a storm to S3.
   *
   * Spill (Spill.HEADER): the edge moved this miss off its overloaded owner. This shard answers from
   * its own store when it has the key; else it relays the owner's answer (a GET like the edge's, with
   * the canonical Accept, within half of what is left of the deadline) without storing it, so the
   * owner fills from the origin once and the tier holds one copy. An owner that fails or does not
   * answer in that time (slow, not just busy) is not waited for: this shard fetches the object itself
   * with the rest of the deadline and answers without storing it. Without a shard ring, or when this
   * shard owns the key on its own ring (the edge's view was older), it fills as usual.
   *
   * Time: a request's Deadline is the lower of its caller's X-Imgcdn-Deadline and
   * shard.upstream.deadline; a fill spends only what is left of it (every origin attempt tells the
   * origin how long it is waited for), and a miss whose time is spent is answered 504 at once, without
   * asking the origin. Hits are answered whatever is left. A coalesced fill runs within its first
   * request's deadline. Every 5xx this shard answers names it and its cause ("shard-2: origin tier
   * unavailable (timeout)"); one relayed from the origin is passed on as it came. A fill the origin
   * tier failed keeps this shard's verdict "miss" (the failure is further up: the edge passes it on);
   * "error" is for this shard's own failures (its store).
   *
   * Fills are coalesced until they are stored, so a request right after one finds it instead of asking
   * the origin again; the reply waits for the store write (tens of microseconds for a thumbnail), but
   * not past the request's deadline (a 15 MB write on a busy disk can take seconds): then the fill's
   * own body answers. A failed or refused write costs a later miss, never a failed response; failures
   * are counted and logged by FailureLog, not one line each. Only 200s are stored. A 404 or 403 of
   * the origin (no such object in S3, or S3 refused it) is remembered in memory apart from the store
   * (NegativeCache, shard.negative-ttl) and answered from there, before any store read, until it
   * expires or is purged; other errors are passed on uncached.
   */
  private static final Logger LOG = LoggerFactory.getLogger(ShardTier.class);

  /**
   * Asks a peer shard for its stored copy only: never a fill from the origin. Edges never forward
   * it.
   */
  public static final String HANDOFF_HEADER = "X-Imgcdn-Handoff";

  /** Content type of the bodiless entry under a plain key whose responses vary by Accept. */
  static final String VARIES_MARKER_TYPE = "application/x-imgcdn-varies-by-accept";

  private final String nodeId;
  private final ShardStore store;
  private final ClusterView cluster;
  private final RoutedClient origins;
  private final UpstreamClient peers;
  private final Duration handoffWindow;
  private final Duration fillLimit;
  private final boolean admitFrequentOnly;
  private final Coalescer<Filled> fills = new Coalescer<>();
  private final Counter handoffHits;
  private final Counter handoffMisses;
  private final Counter spillRelays;
  private final Counter spillFailures;
  private final Counter storeFailures;
  private final FailureLog failureLog;
  private final String hitChain;
  private final StreamStats streams;
  private NegativeCache negatives = new NegativeCache(NegativeCache.Options.OFF);
  private final ChunkFills chunks;

  /**
   * @param fillLimit the most one miss may take here (shard.upstream.deadline); a caller's
   *     X-Imgcdn-Deadline lowers it
   * @param chunkBytes body bytes per chunk of a large original (shard.chunk-bytes)
   * @param scheduler runs the store-failure log's summary lines (e.g. an event loop's schedule)
   */
  public ShardTier(
      String nodeId,
      ShardStore store,
      ClusterView cluster,
      RoutedClient origins,
      UpstreamClient peers,
      Duration handoffWindow,
      Duration fillLimit,
      boolean admitFrequentOnly,
      int chunkBytes,
      MeterRegistry registry,
      FailureLogScheduler scheduler) {
    this.nodeId = nodeId;
    this.store = store;
    this.cluster = cluster;
    this.origins = origins;
    this.peers = peers;
    this.handoffWindow = handoffWindow;
    this.fillLimit = fillLimit;
    this.admitFrequentOnly = admitFrequentOnly;
    this.hitChain = nodeId + ";hit";
    this.streams = new StreamStats(registry);
    this.chunks = new ChunkFills(store, cluster, origins, fillLimit, chunkBytes);
    this.handoffHits =
        Counter.builder("imgcdn.shard.handoff")
            .tag("result", "hit")
            .description("Misses answered by the key's previous owner")
            .register(registry);
    this.handoffMisses =
        Counter.builder("imgcdn.shard.handoff")
            .tag("result", "miss")
            .description("Misses the key's previous owner could not answer")
            .register(registry);
    this.spillRelays =
        Counter.builder("imgcdn.shard.spill.relays")
            .tag("result", "ok")
            .description("Spilled misses relayed from the key's owner (not stored here)")
            .register(registry);
    this.spillFailures =
        Counter.builder("imgcdn.shard.spill.relays")
            .tag("result", "failed")
            .description(
                "Spilled misses whose owner failed or did not answer in time (fetched here, not"
                    + " stored)")
            .register(registry);
    this.storeFailures =
        Counter.builder("imgcdn.cache.store.failures")
            .description(
                "Fills that could not be written to the store (full disk, I/O error, overloaded"
                    + " store)")
            .register(registry);
    this.failureLog =
        new FailureLog(
            "store write refused",
            "store writes refused",
            Duration.ofSeconds(10),
            System::nanoTime,
            scheduler::schedule,
            line -> LOG.warn("{}: {}", nodeId, line));
  }

  /** Runs a task once after a delay, for the summary lines of refused store writes. */
  @FunctionalInterface
  public interface FailureLogScheduler {
    void schedule(Runnable task, long delayNanos);
  }

  /**
   * Sets where 404/403 answers of the origin are remembered (shard.negative-ttl); before serving.
   * Default: none are.
   */
  public ShardTier negatives(NegativeCache negatives) {
    this.negatives = negatives;
    return this;
  }

  /**
   * The store key: the object key first, so all cached variants of one original form one key range.
   */
  public static String storeKey(ImageUrl url) {
    return url.objectKey() + '\u0001' + url.path();
  }

  /** The store key of one Accept class's representation of a path that varies by Accept. */
  static String storeKey(ImageUrl url, AcceptClass accept) {
    return url.objectKey() + '\u0001' + accept.key(url.path());
  }

  @Override
  public CompletableFuture<Response> handle(ImageUrl url, HttpHeaders requestHeaders) {
    boolean handoff = requestHeaders.contains(HANDOFF_HEADER);
    String key = storeKey(url);
    Reply negative = handoff ? null : negatives.lookup(key, hitChain);
    if (negative != null) { // a recent 404/403 of the origin: answered from memory, no store read
      return CompletableFuture.completedFuture(negative);
    }
    Deadline deadline = Deadline.of(requestHeaders, fillLimit);
    AcceptClass accept = AcceptClass.of(requestHeaders.get(HttpHeaderNames.ACCEPT));
    DirectLease lease = new DirectLease();
    Optional<DirectObject> cached = store.getCached(key, lease, lease);
    if (cached.isPresent()) {
      if (!isMarker(cached.get())) {
        return CompletableFuture.<Response>completedFuture(
            response(cached.get(), lease, null, hitChain));
      }
      lease.close();
      return named(lookupRepresentation(url, accept, handoff, requestHeaders, deadline));
    }
    DirectLease pooled = new DirectLease();
    return named(
        store
            .find(key, pooled, pooled)
            .thenCompose(
                found -> {
                  if (found.isEmpty()) {
                    return miss(url, accept, handoff, requestHeaders, deadline);
                  }
                  if (found.get() instanceof DirectObject o && isMarker(o)) {
                    pooled.close();
                    return lookupRepresentation(url, accept, handoff, requestHeaders, deadline);
                  }
                  return hit(
                      url,
                      found.get(),
                      pooled,
                      null,
                      requestHeaders,
                      hitChain,
                      () -> miss(url, accept, handoff, requestHeaders, deadline));
                }));
  }

  /** A failed answer as this shard's own: its 5xx name this node and their cause; 4xx stay. */
  private CompletableFuture<Response> named(CompletableFuture<Response> answer) {
    if (answer.isDone() && !answer.isCompletedExceptionally()) {
      return answer;
    }
    return answer.exceptionally(
        failure -> {
          Throwable cause =
              failure instanceof CompletionException && failure.getCause() != null
                  ? failure.getCause()
                  : failure;
          if (cause instanceof HttpError error) {
            throw error.shouldReport() ? error.at(nodeId) : error;
          }
          if (cause instanceof RejectedExecutionException) {
            throw new HttpError(HttpResponseStatus.SERVICE_UNAVAILABLE, "store queue full", cause)
                .at(nodeId);
          }
          throw failure instanceof CompletionException c ? c : new CompletionException(failure);
        });
  }

  /** The plain key said "varies by Accept": the class's own entry, in memory first. */
  private CompletableFuture<Response> lookupRepresentation(
      ImageUrl url,
      AcceptClass accept,
      boolean handoff,
      HttpHeaders requestHeaders,
      Deadline deadline) {
    String key = storeKey(url, accept);
    DirectLease lease = new DirectLease();
    Optional<DirectObject> cached = store.getCached(key, lease, lease);
    if (cached.isPresent()) {
      return CompletableFuture.<Response>completedFuture(
          response(cached.get(), lease, AcceptClass.VARY, hitChain));
    }
    DirectLease pooled = new DirectLease();
    return store
        .find(key, pooled, pooled)
        .thenCompose(
            found ->
                found.isPresent()
                    ? hit(
                        url,
                        found.get(),
                        pooled,
                        AcceptClass.VARY,
                        requestHeaders,
                        hitChain,
                        () -> miss(url, accept, handoff, requestHeaders, deadline))
                    : miss(url, accept, handoff, requestHeaders, deadline));
  }

  private StoredResponse response(
      DirectObject o, DirectLease lease, @Nullable String vary, String chain) {
    return new StoredResponse(
        o.contentType(),
        o.etag(),
        o.lastModified(),
        o.cacheControl(),
        lease.take(o.bodyLength()),
        chain,
        vary);
  }

  /**
   * A found object as a response. A chunked body's first needed chunk is read (or filled) before
   * the response is made: if it is gone (replaced or evicted meanwhile) or corrupt, that is still a
   * miss, not a cut response; if it had to be filled, this shard's verdict is a miss.
   */
  private CompletableFuture<Response> hit(
      ImageUrl url,
      StoreHit found,
      DirectLease lease,
      @Nullable String vary,
      HttpHeaders requestHeaders,
      String chain,
      Supplier<CompletableFuture<Response>> miss) {
    if (found instanceof DirectObject o) {
      return CompletableFuture.completedFuture(response(o, lease, vary, chain));
    }
    ChunkedBody body = (ChunkedBody) found;
    IntFunction<CompletableFuture<ChunkFills.Chunk>> reader = i -> chunks.read(body, url, i);
    int firstChunk = ChunkedResponse.firstChunk(requestHeaders, body);
    if (firstChunk < 0) {
      return CompletableFuture.completedFuture(
          new ChunkedResponse(reader, body, null, -1, chain, vary, streams));
    }
    return reader
        .apply(firstChunk)
        .handle(
            (chunk, failure) -> {
              if (failure == null) {
                String verdict =
                    chunk.originChain() != null && chain.equals(hitChain)
                        ? Reply.chain(nodeId, "miss", chunk.originChain())
                        : chain;
                return CompletableFuture.<Response>completedFuture(
                    new ChunkedResponse(
                        reader, body, chunk.buffer(), firstChunk, verdict, vary, streams));
              }
              Throwable cause =
                  failure instanceof CompletionException && failure.getCause() != null
                      ? failure.getCause()
                      : failure;
              return cause instanceof ChunkUnavailableException
                  ? miss.get()
                  : CompletableFuture.<Response>failedFuture(cause);
            })
        .thenCompose(f -> f);
  }

  private CompletableFuture<Response> miss(
      ImageUrl url,
      AcceptClass accept,
      boolean handoff,
      HttpHeaders requestHeaders,
      Deadline deadline) {
    if (handoff) {
      return CompletableFuture.<Response>completedFuture(
          Reply.error(
              HttpResponseStatus.NOT_FOUND,
              "not cached on " + nodeId + " (hand-off)",
              nodeId + ";miss"));
    }
    if (requestHeaders.contains(Spill.HEADER)) {
      NodeLocator shards = cluster.rings().shards();
      if (!shards.nodes().isEmpty()) {
        Node owner = shards.owner(url.path());
        if (!owner.id().equals(nodeId)) {
          return fromOwner(url, accept, owner, deadline);
        }
      }
    }
    return fill(url, accept, requestHeaders, deadline);
  }

  /**
   * A spilled miss: the owner's answer, relayed and not stored (the owner keeps the one copy and is
   * the one that asks the origin). The owner gets at most half of what is left of the deadline: a
   * miss is spilled because its owner is overloaded, and one that does not answer in time (or
   * fails) leaves the rest for this shard to fetch the object itself, still without storing it.
   */
  private CompletableFuture<Response> fromOwner(
      ImageUrl url, AcceptClass accept, Node owner, Deadline deadline) {
    Duration wait = deadline.left().dividedBy(2);
    if (wait.compareTo(peers.settings().responseTimeout()) > 0) {
      wait = peers.settings().responseTimeout();
    }
    HttpHeaders headers =
        Deadline.put(
            new DefaultHttpHeaders().set(HttpHeaderNames.ACCEPT, accept.canonicalAccept()), wait);
    return peers
        .get(owner.address(), url.encodedPath(), headers, wait)
        .handle(
            (response, failure) -> {
              if (failure == null && response.status() < 500) {
                spillRelays.increment();
                Fetched relayed = fetched(response);
                return CompletableFuture.completedFuture(
                    relayed.response(relayed.reply().xCache()));
              }
              spillFailures.increment();
              return fetch(url, accept, deadline)
                  .thenApply(fetched -> fetched.response(fetched.reply().xCache()));
            })
        .thenCompose(answer -> answer);
  }

  private CompletableFuture<Response> fill(
      ImageUrl url, AcceptClass accept, HttpHeaders requestHeaders, Deadline deadline) {
    // Originals never vary; a variant may (known only from the first response), so its fills are
    // per class.
    String flight = url instanceof ImageUrl.Original ? storeKey(url) : storeKey(url, accept);
    // The flight ends once the fill is stored (or refused), not when it arrives: a request in
    // between joins it instead of missing the store and asking the origin again.
    Coalescer.Join<Filled> fill =
        fills.join(
            flight,
            () ->
                fetch(url, accept, deadline)
                    .thenApply(fetched -> remembered(url, fetched))
                    .thenApply(fetched -> new Filled(fetched, keepOrNot(url, accept, fetched))),
            Filled::stored);
    return fill.future()
        .thenCompose(
            filled -> {
              Fetched fetched = filled.fetched();
              String chain = fetched.chain(fill.leader() ? null : nodeId);
              Supplier<CompletableFuture<Response>> fromFill =
                  () -> CompletableFuture.completedFuture(fetched.response(chain));
              // The answer waits for the store write (tens of microseconds for a thumbnail), but
              // never past this request's deadline: a 15 MB write on a busy disk can take seconds,
              // and the caller would give up on an object this shard has. Then the fill's own body
              // answers.
              return filled
                  .stored()
                  .thenApply(Optional::ofNullable)
                  .completeOnTimeout(
                      Optional.empty(), Math.max(0, deadline.nanosLeft()), TimeUnit.NANOSECONDS)
                  .thenCompose(
                      storedKey ->
                          storedKey.isPresent()
                                  && (fetched.total() > 0
                                      || ShardStore.storesInChunks(
                                          fetched.reply().object().body().length))
                              ? fromStore(
                                  url, storedKey.get(), fetched, requestHeaders, chain, fromFill)
                              : fromFill.get());
            });
  }

  /**
   * A stored fill whose body the store keeps in chunks, answered from the store chunk by chunk:
   * from the fill's own array, every waiter's response would hold the whole body until its client
   * drained it. Gone already, or the store refused the read (a full queue): the fill's own body
   * still answers.
   */
  private CompletableFuture<Response> fromStore(
      ImageUrl url,
      String storedKey,
      Fetched fetched,
      HttpHeaders requestHeaders,
      String chain,
      Supplier<CompletableFuture<Response>> fromFill) {
    DirectLease lease = new DirectLease();
    return store
        .find(storedKey, lease, lease)
        .thenCompose(
            found ->
                found.isPresent()
                    ? hit(url, found.get(), lease, fetched.vary(), requestHeaders, chain, fromFill)
                    : fromFill.get())
        .exceptionallyCompose(e -> fromFill.get());
  }

  /**
   * A 404 or 403 from the origin, remembered for shard.negative-ttl (no longer than a max-age the
   * origin gave it, origin.error-max-age) and sent with the max-age that says so; anything else as
   * it came.
   */
  private Fetched remembered(ImageUrl url, Fetched fetched) {
    Reply reply = fetched.reply();
    if (!NegativeCache.negative(reply.status().code())) {
      return fetched;
    }
    long origin = NegativeCache.maxAge(reply.object().cacheControl());
    Duration ttl =
        origin > 0 ? Duration.ofSeconds(origin) : negatives.options().ttl(); // none: ours
    return new Fetched(
        negatives.remember(storeKey(url), reply, ttl), fetched.vary(), fetched.total());
  }

  /**
   * A fill's result, and its store write: the key it was stored under, or null when it was not
   * stored.
   */
  private record Filled(Fetched fetched, CompletableFuture<String> stored) {}

  /**
   * From the key's previous owner if it has it, else from the origin; with the class's canonical
   * Accept, within {@code deadline}.
   */
  private CompletableFuture<Fetched> fetch(ImageUrl url, AcceptClass accept, Deadline deadline) {
    if (deadline.spent()) {
      return CompletableFuture.completedFuture(
          upstreamFailed(
              new HttpError(
                  HttpResponseStatus.GATEWAY_TIMEOUT,
                  "deadline spent before the origin was asked ("
                      + deadline.givenMillis()
                      + " ms given)")));
    }
    HttpHeaders headers =
        new DefaultHttpHeaders().set(HttpHeaderNames.ACCEPT, accept.canonicalAccept());
    HttpHeaders toOrigin = headers.copy();
    if (url instanceof ImageUrl.Original) {
      // Whole if the store keeps it whole, else its first chunk (a large one's head with it).
      toOrigin
          .set(FirstPart.BYTES, chunks.chunkBytes())
          .set(FirstPart.WHOLE_UP_TO, store.maxValueBytes());
      // A peer answers from its store: a Range of its first chunk (a small original's whole).
      headers.set(HttpHeaderNames.RANGE, chunks.firstChunkRange());
    }
    return fromPreviousOwner(url, headers, deadline)
        .thenCompose(
            handed ->
                handed.isPresent()
                    ? CompletableFuture.completedFuture(handed.get())
                    : fromOrigin(url, toOrigin, deadline).exceptionally(this::upstreamFailed));
  }

  private CompletableFuture<Fetched> fromOrigin(
      ImageUrl url, HttpHeaders headers, Deadline deadline) {
    return origins
        .get(
            cluster.rings().origins(),
            url.objectKey(),
            url.encodedPath(),
            headers,
            "origin",
            deadline)
        .thenApply(routed -> fetched(routed.response()));
  }

  /**
   * No origin answered (or no time was left to ask): a 5xx naming this shard and the cause, with
   * this shard's verdict "miss", not "error". Its cache worked; the tier behind it failed, and the
   * edge passes such an answer on (CandidateWalk.relayedFailure) instead of asking another shard,
   * which would ask the same origins with what is left of the same deadline.
   */
  private Fetched upstreamFailed(Throwable failure) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    if (cause instanceof HttpError error && error.shouldReport()) {
      LOG.warn("{}: {}", nodeId, error.getMessage());
      return new Fetched(Reply.error(error.at(nodeId), Reply.chain(nodeId, "miss", "")), null, 0);
    }
    throw failure instanceof CompletionException c ? c : new CompletionException(cause);
  }

  /**
   * The key's copy on its owner under the previous ring, if that was another shard and it has it.
   */
  private CompletableFuture<Optional<Fetched>> fromPreviousOwner(
      ImageUrl url, HttpHeaders fillHeaders, Deadline deadline) {
    Optional<ClusterView.Rings> previous = cluster.previous(handoffWindow);
    if (previous.isEmpty() || previous.get().shards().nodes().isEmpty()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    Node owner = previous.get().shards().owner(url.path());
    if (owner.id().equals(nodeId)) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    Duration wait = deadline.left();
    if (wait.compareTo(peers.settings().responseTimeout()) > 0) {
      wait = peers.settings().responseTimeout();
    }
    HttpHeaders headers =
        Deadline.put(new DefaultHttpHeaders().add(fillHeaders).set(HANDOFF_HEADER, "1"), wait);
    return peers
        .get(owner.address(), url.encodedPath(), headers, wait)
        .handle(
            (response, failure) -> {
              if (failure == null && (response.status() == 200 || response.status() == 206)) {
                Fetched fetched = fetched(response);
                // Part of an original it keeps whole: asked for whole, from the origin
                if (fetched.reply().isOk()
                    && (fetched.total() == 0 || fetched.total() > store.maxValueBytes())) {
                  handoffHits.increment();
                  return Optional.of(fetched);
                }
              }
              handoffMisses.increment();
              return Optional.empty();
            });
  }

  /**
   * {@link #keep}, where any failure (even a synchronous one) means "not stored", never a failed
   * fill.
   */
  private CompletableFuture<String> keepOrNot(ImageUrl url, AcceptClass accept, Fetched fetched) {
    try {
      return keep(url, accept, fetched)
          .exceptionally(
              e -> {
                refused(storeKey(url), e);
                return null;
              });
    } catch (RuntimeException e) {
      refused(storeKey(url), e);
      return CompletableFuture.completedFuture(null);
    }
  }

  /**
   * Stores a fetched 200: plainly, or as one class's representation plus the marker; never other
   * Varys. Completes with the key the body was stored under, or null when it was not stored.
   */
  private CompletableFuture<String> keep(ImageUrl url, AcceptClass accept, Fetched fetched) {
    if (!fetched.reply().isOk() || fetched.vary() != null && !fetched.variesByAcceptOnly()) {
      return CompletableFuture.completedFuture(null);
    }
    ImageObject object = fetched.reply().object();
    if (fetched.total() > 0) {
      return keepLarge(storeKey(url), object, fetched.total());
    }
    StoredObject value =
        new StoredObject(
            object.contentType(),
            object.etag(),
            object.lastModified(),
            object.cacheControl(),
            System.currentTimeMillis(),
            object.body());
    if (fetched.vary() == null) {
      String key = storeKey(url);
      return admit(key, value).thenApply(stored -> stored ? key : null);
    }
    String plainKey = storeKey(url);
    String classKey = storeKey(url, accept);
    return admit(classKey, value)
        .thenCompose(
            stored -> {
              if (!stored) {
                return CompletableFuture.completedFuture(null);
              }
              // The marker only leads somewhere once a representation is there.
              StoredObject marker =
                  new StoredObject(
                      VARIES_MARKER_TYPE,
                      "",
                      "",
                      "no-store",
                      System.currentTimeMillis(),
                      new byte[0]);
              return store
                  .put(plainKey, marker)
                  .handle(
                      (v, e) -> {
                        if (e != null) {
                          refused(plainKey, e);
                        }
                        return classKey;
                      });
            });
  }

  /**
   * Stores a large original's header, fillable chunk by chunk, and the first chunk it came with;
   * completes with the key, or null when the store refused the header.
   */
  private CompletableFuture<String> keepLarge(String key, ImageObject first, long total) {
    StoredObject head =
        new StoredObject(
            first.contentType(),
            first.etag(),
            first.lastModified(),
            first.cacheControl(),
            System.currentTimeMillis(),
            new byte[0]);
    return store
        .putFillable(key, head, (int) total, chunks.chunkBytes())
        .thenCompose(
            body -> {
              if (body.isEmpty()) {
                return CompletableFuture.completedFuture(null);
              }
              if (first.length() != body.get().chunkLength(0)) {
                return CompletableFuture.completedFuture(key); // filled when asked for
              }
              return store.putChunk(body.get(), 0, first.body(), 0).handle((written, e) -> key);
            });
  }

  /**
   * Writes a fill (admitted or not, per shard.store.admission); completes with whether it was
   * stored.
   */
  private CompletableFuture<Boolean> admit(String key, StoredObject value) {
    // The store itself skips values it cannot hold (too large, or over the byte bound's guard).
    CompletableFuture<Boolean> write =
        admitFrequentOnly ? store.offer(key, value) : store.put(key, value).thenApply(v -> true);
    return write.handle(
        (stored, e) -> {
          if (e != null) {
            refused(key, e);
            return false;
          }
          return stored;
        });
  }

  private void refused(String key, Throwable e) {
    storeFailures.increment();
    Throwable cause =
        e instanceof java.util.concurrent.CompletionException && e.getCause() != null
            ? e.getCause()
            : e;
    failureLog.failed(LogSafe.key(key), cause.toString());
  }

  /** Removes one cached path, and its representations if it varies by Accept. */
  public CompletableFuture<Boolean> purge(ImageUrl url) {
    boolean negative = negatives.remove(storeKey(url));
    List<CompletableFuture<Boolean>> deletes = new ArrayList<>();
    deletes.add(CompletableFuture.completedFuture(negative));
    deletes.add(store.delete(storeKey(url)));
    for (AcceptClass c : AcceptClass.values()) {
      deletes.add(store.delete(storeKey(url, c)));
    }
    return CompletableFuture.allOf(deletes.toArray(CompletableFuture[]::new))
        .thenApply(v -> deletes.stream().anyMatch(CompletableFuture::join));
  }

  /**
   * Removes every cached path of one original: the original and all its variants and
   * representations.
   */
  public CompletableFuture<Integer> purgeOriginal(String objectKey) {
    String prefix = objectKey + '\u0001';
    int negative = negatives.removeIf(k -> k.startsWith(prefix));
    return store.deletePrefix(prefix).thenApply(stored -> stored + negative);
  }

  /**
   * Large-object responses sent chunk by chunk now (open), and of those waiting for their client.
   */
  int streamsOpen() {
    return streams.open();
  }

  int streamsWaiting() {
    return streams.waiting();
  }

  private static boolean isMarker(DirectObject o) {
    return o.bodyLength() == 0 && VARIES_MARKER_TYPE.equals(o.contentType());
  }

  /** A fill's answer from a peer or the origin tier, this shard's miss in front of its chain. */
  private Fetched fetched(UpstreamResponse response) {
    List<String> varies = response.headers().getAll(HttpHeaderNames.VARY);
    String vary = varies.isEmpty() ? null : String.join(", ", varies);
    String chain = Reply.chain(nodeId, "miss", response.xCache());
    if (response.status() != 206) {
      return new Fetched(response.toReply(chain), vary, 0);
    }
    // The answer to a first part (FirstPart) or Range: the whole original, or its first chunk.
    UpstreamResponse asWhole = new UpstreamResponse(200, response.headers(), response.body());
    long total = totalLength(response.headers().get(HttpHeaderNames.CONTENT_RANGE));
    int length = response.body().length;
    if (total == length) {
      return new Fetched(asWhole.toReply(chain), vary, 0);
    }
    if (total > length && total <= Integer.MAX_VALUE && vary == null) {
      return new Fetched(asWhole.toReply(chain), null, total);
    }
    return new Fetched(
        Reply.error(
            HttpResponseStatus.BAD_GATEWAY,
            "origin sent a 206 of " + length + " bytes of " + total,
            chain),
        null,
        0);
  }

  /** The complete length in a Content-Range ("bytes 0-99/1234"), -1 when there is none. */
  static long totalLength(@Nullable String contentRange) {
    if (contentRange == null) {
      return -1;
    }
    int slash = contentRange.lastIndexOf('/');
    try {
      return slash < 0 ? -1 : Long.parseLong(contentRange.substring(slash + 1).strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * What a fill brought back: the reply and the response's Vary header (null without one); for a
   * large original, its first chunk as the reply's body and the original's length in {@code total}
   * (0 otherwise).
   */
  private record Fetched(Reply reply, @Nullable String vary, long total) {

    /** Vary lists Accept and nothing else (case-insensitive, comma-separated). */
    boolean variesByAcceptOnly() {
      if (vary == null) {
        return false;
      }
      boolean any = false;
      for (String token : vary.split(",")) {
        String t = token.strip();
        if (t.isEmpty()) {
          continue;
        }
        if (!t.equalsIgnoreCase(AcceptClass.VARY)) {
          return false;
        }
        any = true;
      }
      return any;
    }

    /**
     * The X-Cache chain for one waiter; {@code coalescedNode} non-null for waiters that joined the
     * leader's fill.
     */
    String chain(@Nullable String coalescedNode) {
      String chain = reply.xCache();
      if (coalescedNode != null) {
        String own = coalescedNode + ";miss";
        chain =
            chain.startsWith(own)
                ? coalescedNode + ";coalesced" + chain.substring(own.length())
                : chain;
      }
      return chain;
    }

    /** The response for one waiter, from the fill's own body. */
    Response response(String chain) {
      if (!reply.isOk()) {
        return new Reply(reply.status(), reply.object(), chain);
      }
      if (total > 0) { // a large original is served from the store's chunks only
        return Reply.error(
            HttpResponseStatus.SERVICE_UNAVAILABLE,
            "the store cannot take a large original now (full or refusing writes)",
            chain);
      }
      ImageObject o = reply.object();
      return new StoredResponse(
          o.contentType(),
          o.etag(),
          o.lastModified(),
          o.cacheControl(),
          Unpooled.wrappedBuffer(o.body()),
          chain,
          vary);
    }
  }
}
