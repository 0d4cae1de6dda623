package io.imgcdn.common.upstream;

import io.imgcdn.common.http.ImageObject;
import io.imgcdn.common.http.NegativeCache;
import io.imgcdn.common.http.Reply;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;

/** A complete response from the next tier: status, headers and the whole body. */
public record UpstreamResponse(int status, HttpHeaders headers, byte[] body) {
  /** The X-Cache chain of the tiers that answered, nearest first; "" without one. */
  public String xCache() {
    return headers.get("X-Cache", "");
  }

  /**
   * This response as a tier's reply, with the X-Cache chain {@code xCache}: a 200 as the object
   * with the headers that belong to it, anything else as its status and body with no-store, but for
   * a 404 or 403, which keeps the lifetime the next tier gave it (a remembered miss says max-age:
   * NegativeCache).
   */
  public Reply toReply(String xCache) {
    if (status == 200) {
      return Reply.ok(
          new ImageObject(
              contentType(headers),
              etag(headers),
              lastModified(headers),
              cacheControl(headers),
              body),
          xCache);
    }
    return new Reply(
        HttpResponseStatus.valueOf(status),
        new ImageObject(
            contentType(headers),
            "",
            NegativeCache.negative(status)
                ? headers.get(HttpHeaderNames.CACHE_CONTROL, "no-store")
                : "no-store",
            body),
        xCache);
  }

  /*
   * The object headers a tier takes from the next tier's head, with the defaults for those it left out:
   * every object the tiers pass on is immutable unless it says otherwise (ImageObject.IMMUTABLE).
   */

  public static String contentType(HttpHeaders upstream) {
    return upstream.get(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
  }

  public static String etag(HttpHeaders upstream) {
    return upstream.get(HttpHeaderNames.ETAG, "");
  }

  /** The Last-Modified as the next tier sent it, "" without one. */
  public static String lastModified(HttpHeaders upstream) {
    return upstream.get(HttpHeaderNames.LAST_MODIFIED, "");
  }

  public static String cacheControl(HttpHeaders upstream) {
    return upstream.get(HttpHeaderNames.CACHE_CONTROL, ImageObject.IMMUTABLE);
  }
}
