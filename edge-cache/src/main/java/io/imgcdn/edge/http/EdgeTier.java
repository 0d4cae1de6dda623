package io.imgcdn.edge.http;

import io.imgcdn.common.cluster.ClusterView;
import io.imgcdn.common.http.HttpError;
import io.imgcdn.common.http.ImageObject;
import io.imgcdn.common.http.ObjectServerHandler;
import io.imgcdn.common.http.Reply;
import io.imgcdn.common.http.Response;
import io.imgcdn.common.upstream.RoutedClient;
import io.imgcdn.common.upstream.UpstreamResponse;
import io.imgcdn.common.url.ImageUrl;
import io.imgcdn.edge.cache.CachedObject;
import io.imgcdn.edge.cache.EdgeCache;
import io.imgcdn.edge.cache.Flights;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * What an edge does with a request: answer from memory, or fetch from the shard that owns the URL on the
 * ring (the next one if it is down), with concurrent misses for one URL sharing one fetch.
 */
public final class EdgeTier implements ObjectServerHandler.Tier {
  /*
   * A hit costs one index lookup and one tryRetain, and its response is written without copying the body
   * (CachedResponse). A miss joins or opens the key's flight; the fetch stores a 200 that fits the
   * object bound in memory, then answers every waiter from the stored object, each with a reference of
   * its own. Errors and oversized objects are answered but never stored.
   */
  private final String nodeId;
  private final String hitChain;
  private final EdgeCache cache;
  private final ClusterView cluster;
  private final RoutedClient shards;
  private final String indexKey;
  private final Flights flights = new Flights();
  private final ResponsePrefixes prefixes;

  public EdgeTier(String nodeId, EdgeCache cache, ClusterView cluster, RoutedClient shards, String indexKey) {
    this.nodeId = nodeId;
    this.hitChain = nodeId + ";hit";
    this.cache = cache;
    this.cluster = cluster;
    this.shards = shards;
    this.indexKey = indexKey;
    this.prefixes = new ResponsePrefixes(nodeId);
  }

  @Override
  public ImageUrl rewrite(String path) {
    return path.equals("/") && !indexKey.isEmpty() ? new ImageUrl.Original(indexKey) : null;
  }

  @Override
  public CompletableFuture<Response> handle(ImageUrl url, HttpHeaders requestHeaders) {
    String key = url.path();
    CachedObject hit = cache.acquire(key);
    if (hit != null) {
      return CompletableFuture.completedFuture(new CachedResponse(hit, prefixes, hitChain, null));
    }
    Flights.Join join = flights.join(key);
    if (join.waiter().leader()) {
      fetch(url, join.flight());
    }
    return join.waiter().future();
  }

  /** Misses waiting for a fetch now (tests, metrics). */
  public int inFlight() {
    return flights.size();
  }

  private void fetch(ImageUrl url, Flights.Flight flight) {
    String key = url.path();
    CompletableFuture<RoutedClient.Routed> routed;
    try {
      routed = shards.get(cluster.rings().shards(), key, url.encodedPath(), "shard");
    } catch (RuntimeException e) {
      routed = CompletableFuture.failedFuture(e);
    }
    routed.whenComplete((r, failure) -> {
      try {
        if (failure != null) {
          answer(flight, errorReply(failure), "");
        } else {
          answer(flight, r.response());
        }
      } catch (RuntimeException e) {
        answer(flight, errorReply(e), "");
      }
    });
  }

  private void answer(Flights.Flight flight, UpstreamResponse response) {
    HttpHeaders h = response.headers();
    String upstreamChain = h.get("X-Cache", "");
    if (response.status() != 200 || !cache.admissible(response.body().length)) {
      Reply r = new RoutedClient.Routed(null, response).toReply("");
      answer(flight, new Reply(r.status(), r.object(), null), upstreamChain);
      return;
    }
    CachedObject.Builder builder = cache.builder(
        h.get(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream"), h.get(HttpHeaderNames.ETAG, ""),
        h.get(HttpHeaderNames.CACHE_CONTROL, ImageObject.IMMUTABLE), h.get(HttpHeaderNames.VARY),
        response.body().length);
    CachedObject object;
    try {
      builder.append(Unpooled.wrappedBuffer(response.body()));
      object = builder.build(upstreamChain);
    } catch (RuntimeException e) {
      builder.abandon();
      throw e;
    }
    try {
      cache.admit(flight.key(), object);
      for (Flights.Waiter w : flight.close()) {
        String chain = chainFor(w, upstreamChain);
        w.future().complete(new CachedResponse(object.retain(), prefixes, hitChain, chain));
      }
    } finally {
      object.release();
    }
  }

  /** Answers every waiter with a copy of a heap reply, each with its own verdict in front of the chain. */
  private void answer(Flights.Flight flight, Reply reply, String upstreamChain) {
    List<Flights.Waiter> waiters = flight.close();
    for (Flights.Waiter w : waiters) {
      w.future().complete(new Reply(reply.status(), reply.object(), chainFor(w, upstreamChain)));
    }
  }

  private String chainFor(Flights.Waiter w, String upstreamChain) {
    return Reply.chain(nodeId, w.leader() ? "miss" : "coalesced", upstreamChain);
  }

  private static Reply errorReply(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    if (cause instanceof HttpError e) {
      return Reply.error(e, "");
    }
    return Reply.error(io.netty.handler.codec.http.HttpResponseStatus.BAD_GATEWAY, "shard tier failed", "");
  }
}
