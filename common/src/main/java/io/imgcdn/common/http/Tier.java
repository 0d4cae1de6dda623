package io.imgcdn.common.http;

import io.imgcdn.common.url.ImageUrl;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
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

  /**
   * Whether this tier answers {@code OPTIONS} (CORS preflight) through {@link #preflight}; other
   * tiers serve GET and HEAD only, and the request-head validator answers OPTIONS 405 for them.
   */
  default boolean answersPreflight() {
    return false;
  }

  /** The answer to an {@code OPTIONS} request; only called when {@link #answersPreflight}. */
  default @Nullable Response preflight(String requestTarget, HttpHeaders requestHeaders) {
    return null;
  }

  /**
   * A method besides GET, HEAD and OPTIONS that this tier answers through {@link #command} (e.g. a
   * cache buster's PURGE), or null; the request-head validator answers other methods 405.
   */
  default @Nullable HttpMethod extraMethod() {
    return null;
  }

  /**
   * The tier's own answer to a request that asks it to do something rather than read (e.g. a cache
   * buster's purge), or null to take the normal path. Asked for every request that passed
   * validation, before the fast path: it must cost next to nothing when it declines. A request with
   * {@link #extraMethod} it declines is answered 405.
   */
  default @Nullable CompletableFuture<? extends Response> command(
      HttpMethod method, String requestTarget, HttpHeaders requestHeaders) {
    return null;
  }

  /**
   * Adds the tier's response policy (CORS, security headers...) to {@code head}, about to be
   * written to the request for {@code requestTarget}: called for every head written as an {@code
   * HttpResponse}, errors included. A head written pre-encoded must already carry it.
   */
  default void decorate(String requestTarget, HttpResponse head) {}
}
