package io.imgcdn.common.http;

import java.util.Objects;

/**
 * One servable object as the tiers pass it along and cache it: the body and the headers that belong
 * to it. The body is never modified after construction; tiers share the array instead of copying
 * it.
 *
 * @param etag the entity-tag, quoted, or "" when there is none
 * @param lastModified the Last-Modified HTTP-date (that of the original in S3, for a variant too),
 *     or "" when there is none
 */
public record ImageObject(
    String contentType, String etag, String lastModified, String cacheControl, byte[] body) {
  /** Immutable objects are cached by browsers and every tier for a year (RFC 8246 immutable). */
  public static final String IMMUTABLE = "public, max-age=31536000, immutable";

  public ImageObject {
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(etag, "etag");
    Objects.requireNonNull(lastModified, "lastModified");
    Objects.requireNonNull(cacheControl, "cacheControl");
    Objects.requireNonNull(body, "body");
  }

  /** An object without a Last-Modified (error texts, and objects whose source gave none). */
  public ImageObject(String contentType, String etag, String cacheControl, byte[] body) {
    this(contentType, etag, "", cacheControl, body);
  }

  public int length() {
    return body.length;
  }
}
