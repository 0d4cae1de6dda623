package io.imgcdn.shard.http;

import io.imgcdn.common.cluster.ClusterView;
import io.imgcdn.common.http.ImageObject;
import io.imgcdn.common.http.ObjectServerHandler;
import io.imgcdn.common.http.Reply;
import io.imgcdn.common.upstream.Coalescer;
import io.imgcdn.common.upstream.RoutedClient;
import io.imgcdn.common.url.ImageUrl;
import io.imgcdn.shard.store.ShardStore;
import io.imgcdn.shard.store.StoredObject;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a shard does with a request: answer from its RocksDB store, or fill from the origin tier (one
 * origin request per key however many edges ask) and store the result.
 */
public final class ShardTier implements ObjectServerHandler.Tier {
  /*
   * The cache key is the request path; the origin is picked by hashing the OBJECT key, so every variant
   * of one original meets on one origin, where one S3 GET serves them all (DESIGN.md).
   * Fills are coalesced in an in-flight map keyed by the cache key; the entry is removed when the fill
   * completes, and the store write happens after the reply is on its way (a failed write costs a later
   * miss, never a failed response). Only 200s are stored: errors are passed on uncached.
   */
  private static final Logger LOG = LoggerFactory.getLogger(ShardTier.class);

  private final String nodeId;
  private final ShardStore store;
  private final ClusterView cluster;
  private final RoutedClient origins;
  private final Coalescer<Reply> fills = new Coalescer<>();

  public ShardTier(String nodeId, ShardStore store, ClusterView cluster, RoutedClient origins) {
    this.nodeId = nodeId;
    this.store = store;
    this.cluster = cluster;
    this.origins = origins;
  }

  @Override
  public CompletableFuture<Reply> handle(ImageUrl url, HttpHeaders requestHeaders) {
    String key = url.path();
    return store.get(key).thenCompose(found -> {
      if (found.isPresent()) {
        StoredObject o = found.get();
        return CompletableFuture.completedFuture(Reply.ok(
            new ImageObject(o.contentType(), o.etag(), o.cacheControl(), o.body()), nodeId + ";hit"));
      }
      return fill(url);
    });
  }

  private CompletableFuture<Reply> fill(ImageUrl url) {
    String key = url.path();
    Coalescer.Join<Reply> fill = fills.join(key, () -> origins
        .get(cluster.rings().origins(), url.objectKey(), url.encodedPath(), "origin")
        .thenApply(routed -> routed.toReply(nodeId + ";miss"))
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

  /** "shard-1;miss, origin-1;miss" becomes "shard-1;coalesced, origin-1;miss" for a waiter. */
  private String coalesced(String chain) {
    String own = nodeId + ";miss";
    return chain.startsWith(own) ? nodeId + ";coalesced" + chain.substring(own.length()) : chain;
  }

  private void admit(String key, ImageObject object) {
    if (object.length() > store.maxValueBytes()) {
      return;
    }
    store.put(key, new StoredObject(object.contentType(), object.etag(), object.cacheControl(),
        System.currentTimeMillis(), object.body()))
        .whenComplete((v, e) -> {
          if (e != null) {
            LOG.warn("{}: not stored {}: {}", nodeId, key, e.toString());
          }
        });
  }
}
