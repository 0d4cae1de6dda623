package io.imgcdn.edge.http;

import io.imgcdn.common.cluster.ClusterView;
import io.imgcdn.common.http.HttpError;
import io.imgcdn.common.http.ObjectServerHandler;
import io.imgcdn.common.http.Reply;
import io.imgcdn.common.upstream.RoutedClient;
import io.imgcdn.common.url.ImageUrl;
import io.imgcdn.edge.cache.EdgeCache;
import io.imgcdn.edge.cache.Fetched;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * What an edge does with a request: answer from memory, or fetch from the shard that owns the URL on the
 * ring (the next one if it is down) with concurrent misses coalesced into one fetch.
 */
public final class EdgeTier implements ObjectServerHandler.Tier {
  private final String nodeId;
  private final EdgeCache cache;
  private final ClusterView cluster;
  private final RoutedClient shards;
  private final String indexKey;

  public EdgeTier(String nodeId, EdgeCache cache, ClusterView cluster, RoutedClient shards, String indexKey) {
    this.nodeId = nodeId;
    this.cache = cache;
    this.cluster = cluster;
    this.shards = shards;
    this.indexKey = indexKey;
  }

  @Override
  public ImageUrl rewrite(String path) {
    return path.equals("/") && !indexKey.isEmpty() ? new ImageUrl.Original(indexKey) : null;
  }

  @Override
  public CompletableFuture<Reply> handle(ImageUrl url, HttpHeaders requestHeaders) {
    String key = url.path();
    EdgeCache.Lookup lookup = cache.lookup(key, () -> shards
        .get(cluster.rings().shards(), key, url.encodedPath(), "shard")
        .handle((routed, failure) -> {
          if (failure == null) {
            Reply upstream = routed.toReply("");
            return new Fetched(new Reply(upstream.status(), upstream.object(),
                routed.response().headers().get("X-Cache", "")));
          }
          Throwable cause = failure instanceof CompletionException && failure.getCause() != null
              ? failure.getCause() : failure;
          if (cause instanceof HttpError e) {
            return new Fetched(Reply.error(e, ""));
          }
          throw new CompletionException(cause);
        }));
    String verdict = lookup.verdict().name().toLowerCase(Locale.ROOT);
    return lookup.future().thenApply(fetched -> {
      Reply r = fetched.reply();
      String chain = lookup.verdict() == EdgeCache.Verdict.HIT
          ? nodeId + ";" + verdict : Reply.chain(nodeId, verdict, r.xCache());
      return new Reply(r.status(), r.object(), chain);
    });
  }
}
