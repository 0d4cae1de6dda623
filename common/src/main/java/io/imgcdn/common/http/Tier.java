package io.imgcdn.common.http;

import io.imgcdn.common.url.ImageUrl;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * What a tier (edge, shard, origin) does with one request, whatever protocol it came on; {@link
 * TierDispatch} calls it. Every method runs on the connection's event loop and must not block: slow
 * work returns a future.
 */
@FunctionalInterface
public interface Tier {
  /** The response to a request whose target parsed as {@code url}. */
  CompletableFuture<? extends Response> handle(ImageUrl url, HttpHeaders requestHeaders);

  /**
   * The URL to handle for a path outside the URL contract that the tier serves itself (e.g. the
   * edge's index page), or null to parse the path as usual.
   */
  default @Nullable ImageUrl rewrite(String path) {
    return null;
  }

  /**
   * A response for the raw request target before it is parsed, or null to take the normal path
   * (rewrite, parse, handle). For answers a tier can find without parsing, e.g. a cache hit keyed
   * by a target already in canonical form; the tier must only answer targets that would parse to
   * the same key.
   */
  default @Nullable Response fastPath(String requestTarget, HttpHeaders requestHeaders) {
    return null;
  }
}
