package io.imgcdn.common.admin;

import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.concurrent.CompletableFuture;

/** One route of a node's admin port. */
public record AdminRoute(String method, String path, boolean needsToken, Handler handler) {
  /**
   * Handles a request; must not block the event loop (return an incomplete future for slow work).
   */
  @FunctionalInterface
  public interface Handler {
    CompletableFuture<AdminResponse> handle(QueryStringDecoder query, String body);
  }

  /** A route anyone on the admin network may call (health, metrics). */
  public static AdminRoute open(String method, String path, Handler handler) {
    return new AdminRoute(method, path, false, handler);
  }

  /** An admin action: needs {@code Authorization: Bearer <admin.token>}. */
  public static AdminRoute action(String method, String path, Handler handler) {
    return new AdminRoute(method, path, true, handler);
  }
}
