package io.imgcdn.shard.http;

import io.imgcdn.common.cluster.ClusterView;
import io.imgcdn.common.http.ImageObject;
import io.imgcdn.common.http.ObjectServerHandler;
import io.imgcdn.common.http.Reply;
import io.imgcdn.common.upstream.Coalescer;
import io.imgcdn.common.upstream.RoutedClient;
import io.imgcdn.common.upstream.UpstreamClient;
import io.imgcdn.common.url.ImageUrl;
import io.imgcdn.hashring.Node;
import io.imgcdn.shard.store.ShardStore;
import io.imgcdn.shard.store.StoredObject;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a shard does with a request: answer from its RocksDB store, or fill from the key's previous owner
 * (after a membership change) or the origin tier, one fill per key however many edges ask, and store it.
 */
public final class ShardTier implements ObjectServerHandler.Tier {
  /*
   * Store keys are "objectKey \u0001 path" (a control character cannot occur in a parsed URL): every variant of one original sorts next to it, so a purge of an
   * original is one key range. The origin is picked by hashing the OBJECT key, so every variant of one
   * original meets on one origin, where one S3 GET serves them all (DESIGN.md).
   * Hand-off: when a shard joins, the keys it now owns are still cached on their previous owners. For
   * a while after a membership change (shard.handoff-window), a miss first asks the key's previous owner
   * with HANDOFF_HEADER, which answers from its store only (hit, or 404 without going to the origin), so
   * adding a shard to a warm cluster does not send a storm to S3.
   * Fills are coalesced; the store write happens after the reply is on its way (a failed write costs a
   * later miss, never a failed response). Only 200s are stored: errors are passed on uncached.
   */
  private static final Logger LOG = LoggerFactory.getLogger(ShardTier.class);

  /** Asks a peer shard for its stored copy only: never a fill from the origin. Edges never forward it. */
  public static final String HANDOFF_HEADER = "X-Imgcdn-Handoff";

  private final String nodeId;
  private final ShardStore store;
  private final ClusterView cluster;
  private final RoutedClient origins;
  private final UpstreamClient peers;
  private final Duration handoffWindow;
  private final boolean admitFrequentOnly;
  private final Coalescer<Reply> fills = new Coalescer<>();
  private final Counter handoffHits;
  private final Counter handoffMisses;

  public ShardTier(String nodeId, ShardStore store, ClusterView cluster, RoutedClient origins,
      UpstreamClient peers, Duration handoffWindow, boolean admitFrequentOnly, MeterRegistry registry) {
    this.nodeId = nodeId;
    this.store = store;
    this.cluster = cluster;
    this.origins = origins;
    this.peers = peers;
    this.handoffWindow = handoffWindow;
    this.admitFrequentOnly = admitFrequentOnly;
    this.handoffHits = Counter.builder("imgcdn.shard.handoff").tag("result", "hit")
        .description("Misses answered by the key's previous owner").register(registry);
    this.handoffMisses = Counter.builder("imgcdn.shard.handoff").tag("result", "miss")
        .description("Misses the key's previous owner could not answer").register(registry);
  }

  /** The store key: the object key first, so all cached variants of one original form one key range. */
  public static String storeKey(ImageUrl url) {
    return url.objectKey() + '\u0001' + url.path();
  }

  @Override
  public CompletableFuture<Reply> handle(ImageUrl url, HttpHeaders requestHeaders) {
    boolean handoff = requestHeaders.contains(HANDOFF_HEADER);
    return store.get(storeKey(url)).thenCompose(found -> {
      if (found.isPresent()) {
        StoredObject o = found.get();
        return CompletableFuture.completedFuture(Reply.ok(
            new ImageObject(o.contentType(), o.etag(), o.cacheControl(), o.body()), nodeId + ";hit"));
      }
      if (handoff) {
        return CompletableFuture.completedFuture(
            Reply.error(HttpResponseStatus.NOT_FOUND, "not cached on " + nodeId + " (hand-off)", nodeId + ";miss"));
      }
      return fill(url);
    });
  }

  private CompletableFuture<Reply> fill(ImageUrl url) {
    String key = storeKey(url);
    Coalescer.Join<Reply> fill = fills.join(key, () -> fromPreviousOwner(url)
        .thenCompose(handed -> handed.isPresent()
            ? CompletableFuture.completedFuture(handed.get())
            : origins.get(cluster.rings().origins(), url.objectKey(), url.encodedPath(), "origin")
                .thenApply(routed -> routed.toReply(nodeId + ";miss")))
        .whenComplete((reply, failure) -> {
          if (reply != null && reply.isOk()) {
            admit(key, reply.object());
          }
        }));
    if (fill.leader()) {
      return fill.future();
    }
    return fill.future().thenApply(r -> new Reply(r.status(), r.object(), coalesced(r.xCache())));
  }

  /** The key's copy on its owner under the previous ring, if that was another shard and it has it. */
  private CompletableFuture<Optional<Reply>> fromPreviousOwner(ImageUrl url) {
    Optional<ClusterView.Rings> previous = cluster.previous(handoffWindow);
    if (previous.isEmpty() || previous.get().shards().nodes().isEmpty()) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    Node owner = previous.get().shards().owner(url.path());
    if (owner.id().equals(nodeId)) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    HttpHeaders headers = new DefaultHttpHeaders().set(HANDOFF_HEADER, "1");
    return peers.get(owner.address(), url.encodedPath(), headers).handle((response, failure) -> {
      if (failure == null && response.status() == 200) {
        handoffHits.increment();
        return Optional.of(new RoutedClient.Routed(owner, response).toReply(nodeId + ";miss"));
      }
      handoffMisses.increment();
      return Optional.empty();
    });
  }

  /** "shard-1;miss, origin-1;miss" becomes "shard-1;coalesced, origin-1;miss" for a waiter. */
  private String coalesced(String chain) {
    String own = nodeId + ";miss";
    return chain.startsWith(own) ? nodeId + ";coalesced" + chain.substring(own.length()) : chain;
  }

  /** Removes one cached path. */
  public CompletableFuture<Boolean> purge(ImageUrl url) {
    return store.delete(storeKey(url));
  }

  /** Removes every cached path of one original: the original and all its variants. */
  public CompletableFuture<Integer> purgeOriginal(String objectKey) {
    return store.deletePrefix(objectKey + '\u0001');
  }

  private void admit(String key, ImageObject object) {
    StoredObject value = new StoredObject(object.contentType(), object.etag(), object.cacheControl(),
        System.currentTimeMillis(), object.body());
    // The store itself skips values it cannot hold (too large, or over the byte bound's guard).
    CompletableFuture<?> write = admitFrequentOnly ? store.offer(key, value) : store.put(key, value);
    write.whenComplete((v, e) -> {
          if (e != null) {
            LOG.warn("{}: not stored {}: {}", nodeId, key, e.toString());
          }
        });
  }
}
