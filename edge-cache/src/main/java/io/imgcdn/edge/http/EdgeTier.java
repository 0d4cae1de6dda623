package io.imgcdn.edge.http;

import io.imgcdn.common.http.AcceptClass;
import io.imgcdn.common.http.Reply;
import io.imgcdn.common.http.Response;
import io.imgcdn.common.http.Tier;
import io.imgcdn.common.upstream.UpstreamClient;
import io.imgcdn.common.url.ImageUrl;
import io.imgcdn.edge.cache.CachedObject;
import io.imgcdn.edge.cache.EdgeCache;
import io.imgcdn.edge.cache.Flights;
import io.imgcdn.edge.config.EdgeConfig;
import io.imgcdn.edge.policy.Preflight;
import io.imgcdn.edge.policy.ResponsePolicy;
import io.imgcdn.edge.policy.Rule;
import io.imgcdn.edge.routing.ShardRouter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * What an edge does with a request: answer from memory, or fetch from the shard that owns the URL
 * on the ring (the next one if it is down or swamped), with concurrent misses for one URL sharing
 * one fetch.
 */
public final class EdgeTier implements Tier {
  /*
   * A hit costs one index lookup and one tryRetain, and its response is written without copying the body
   * (CachedResponse). A URL whose responses vary by Accept has a marker under its plain key and one entry
   * per AcceptClass: its hits cost a second lookup and the parse of Accept, other hits never parse it. A miss joins or opens the key's flight; the leader's ShardFetch stores a 200 that
   * fits the object bound and answers every waiter from the stored object, each with a reference of its
   * own, or relays a larger one to all of them as it arrives. Errors are answered, never stored.
   */
  private final String hitChain;
  private final EdgeCache cache;
  private final String indexKey;
  private final Flights flights = new Flights();
  private final ResponsePrefixes prefixes;
  private final ShardFetch.Context fetching;
  private final FetchStats stats = new FetchStats();
  private final String refusedChain;
  private final String preflightChain;
  private ResponsePolicy policy = ResponsePolicy.defaults();

  /**
   * @param deadline total time for a miss across candidates
   * @param attemptTimeout the most any attempt but the last may wait for a response head
   */
  public EdgeTier(
      String nodeId,
      EdgeCache cache,
      ShardRouter router,
      UpstreamClient client,
      String indexKey,
      Duration deadline,
      Duration attemptTimeout) {
    this(
        nodeId,
        cache,
        router,
        client,
        indexKey,
        deadline,
        attemptTimeout,
        EdgeConfig.DEFAULT_STREAM_DETACH_AFTER,
        EdgeConfig.DEFAULT_STREAM_RELEASE_AFTER);
  }

  /**
   * @param deadline total time for a miss across candidates
   * @param attemptTimeout the most any attempt but the last may wait for a response head
   * @param streamDetachAfter how long a client may hold back the other clients of a relayed object
   *     before it gets a shard request of its own for the rest; zero: never
   * @param streamReleaseAfter how long every client of a relayed object may have stalled before the
   *     relay closes its shard connection (each client asks for the rest when it reads again);
   *     zero: never
   */
  public EdgeTier(
      String nodeId,
      EdgeCache cache,
      ShardRouter router,
      UpstreamClient client,
      String indexKey,
      Duration deadline,
      Duration attemptTimeout,
      Duration streamDetachAfter,
      Duration streamReleaseAfter) {
    this.hitChain = nodeId + ";hit";
    this.refusedChain = nodeId + ";refused";
    this.preflightChain = nodeId + ";preflight";
    this.cache = cache;
    this.indexKey = indexKey;
    this.prefixes = new ResponsePrefixes(nodeId);
    this.fetching =
        new ShardFetch.Context(
            nodeId,
            cache,
            router,
            client,
            prefixes,
            deadline.toNanos(),
            attemptTimeout.toNanos(),
            streamDetachAfter.toNanos(),
            streamReleaseAfter.toNanos(),
            stats);
  }

  /**
   * Sets the response policy (headers, active content, hotlink protection); before serving.
   * Default: {@link ResponsePolicy#defaults()}.
   */
  public EdgeTier policy(ResponsePolicy policy) {
    this.policy = policy;
    return this;
  }

  @Override
  public boolean answersPreflight() {
    return true;
  }

  @Override
  public Response preflight(String requestTarget, HttpHeaders requestHeaders) {
    return new Preflight(preflightChain);
  }

  /**
   * This tier answering with {@code other} as its response policy (the HTTPS port's, with Alt-Svc):
   * the same cache, flights and counts.
   */
  public Tier withPolicy(ResponsePolicy other) {
    return new Tier() {
      @Override
      public CompletableFuture<Response> handle(ImageUrl url, HttpHeaders requestHeaders) {
        return EdgeTier.this.handle(other, url, requestHeaders);
      }

      @Override
      public @Nullable ImageUrl rewrite(String path) {
        return EdgeTier.this.rewrite(path);
      }

      @Override
      public @Nullable Response fastPath(String requestTarget, HttpHeaders requestHeaders) {
        return EdgeTier.this.fastPath(other, requestTarget, requestHeaders);
      }

      @Override
      public boolean answersPreflight() {
        return EdgeTier.this.answersPreflight();
      }

      @Override
      public Response preflight(String requestTarget, HttpHeaders requestHeaders) {
        return EdgeTier.this.preflight(requestTarget, requestHeaders);
      }

      @Override
      public void decorate(String requestTarget, HttpResponse head) {
        EdgeTier.decorate(other, requestTarget, head);
      }
    };
  }

  @Override
  public void decorate(String requestTarget, HttpResponse head) {
    decorate(policy, requestTarget, head);
  }

  private static void decorate(ResponsePolicy policy, String requestTarget, HttpResponse head) {
    int status = head.status().code();
    if (status == 405) { // RFC 9110 section 15.5.6: Allow names what is served here
      head.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD, OPTIONS");
    }
    policy.forPath(requestTarget).apply(head.headers(), status);
  }

  @Override
  public ImageUrl rewrite(String path) {
    return path.equals("/") && !indexKey.isEmpty() ? new ImageUrl.Original(indexKey) : null;
  }

  /**
   * A hit found by the raw request target, without parsing it: only for targets of plain printable
   * ASCII without '%', '?' or '#'. Such a target decodes to itself, and every key in the cache is
   * the canonical path of a target that parsed, so a target equal to a key would parse to that key.
   */
  @Override
  public @Nullable Response fastPath(String requestTarget, HttpHeaders requestHeaders) {
    return fastPath(policy, requestTarget, requestHeaders);
  }

  private @Nullable Response fastPath(
      ResponsePolicy policy, String requestTarget, HttpHeaders requestHeaders) {
    int n = requestTarget.length();
    if (n < 2 || requestTarget.charAt(0) != '/') {
      return null;
    }
    for (int i = 1; i < n; i++) {
      char c = requestTarget.charAt(i);
      if (c <= 0x20 || c >= 0x7f || c == '%' || c == '?' || c == '#') {
        return null;
      }
    }
    Rule rule = policy.forPath(requestTarget);
    if (!rule.allowsReferer(requestHeaders)) {
      return hotlinkRefusal();
    }
    CachedObject hit = lookup(requestTarget, requestHeaders);
    return hit == null ? null : hitResponse(hit, rule);
  }

  /** Answered before any lookup: another site's page may not embed this key. */
  private Reply hotlinkRefusal() {
    return Reply.error(
        HttpResponseStatus.FORBIDDEN,
        "this object may not be embedded by the page named in Referer (hotlink protection)",
        refusedChain);
  }

  private Response hitResponse(CachedObject hit, Rule rule) {
    if (rule.refuses(hit.contentType())) {
      String type = hit.contentType();
      hit.release();
      return activeContentRefusal(type);
    }
    return new CachedResponse(hit, prefixes, hitChain, null).policy(rule);
  }

  private Reply activeContentRefusal(String contentType) {
    return Reply.error(
        HttpResponseStatus.FORBIDDEN,
        "content type " + contentType + " is not served (edge.policy.active-content=refuse)",
        refusedChain);
  }

  /** A fetched answer with the key's policy: its pre-encoded lines, or its refusal. */
  private Response withPolicy(Response r, Rule rule) {
    if (r.status().code() / 100 == 2 && rule.refuses(r.contentType())) {
      String type = r.contentType();
      r.discard();
      return activeContentRefusal(type);
    }
    return r instanceof CachedResponse c ? c.policy(rule) : r;
  }

  @Override
  public CompletableFuture<Response> handle(ImageUrl url, HttpHeaders requestHeaders) {
    return handle(policy, url, requestHeaders);
  }

  private CompletableFuture<Response> handle(
      ResponsePolicy policy, ImageUrl url, HttpHeaders requestHeaders) {
    String key = url.path();
    Rule rule = policy.forPath(key);
    if (!rule.allowsReferer(requestHeaders)) {
      return CompletableFuture.completedFuture(hotlinkRefusal());
    }
    CachedObject hit = lookup(key, requestHeaders);
    if (hit != null) {
      return CompletableFuture.completedFuture(hitResponse(hit, rule));
    }
    // Negotiation (docs/EDGE.md): the shard gets the class's canonical Accept. Variants may vary,
    // so their
    // misses coalesce per class; originals never do, so all classes share one fetch.
    AcceptClass accept = AcceptClass.of(requestHeaders.get(HttpHeaderNames.ACCEPT));
    Flights.Join join = flights.join(url instanceof ImageUrl.Original ? key : accept.key(key));
    if (join.waiter().leader()) {
      new ShardFetch(fetching, key, accept, url.encodedPath(), join.flight()).start();
    }
    return join.waiter().future().thenApply(r -> withPolicy(r, rule));
  }

  /**
   * The entry for {@code key}, or its representation for the request's Accept if it varies; Accept
   * read only then.
   */
  private CachedObject lookup(String key, HttpHeaders requestHeaders) {
    CachedObject found = cache.acquire(key);
    if (found == null || !found.marker()) {
      return found;
    }
    String representation =
        found.representationKey(AcceptClass.of(requestHeaders.get(HttpHeaderNames.ACCEPT)));
    found.release();
    return cache.acquire(representation);
  }

  public FetchStats stats() {
    return stats;
  }

  /** Keys with a fetch in flight now (tests, metrics). */
  public int inFlight() {
    return flights.size();
  }

  /** Requests waiting on a fetch now (tests, metrics). */
  public int waiting() {
    return flights.waiters();
  }
}
