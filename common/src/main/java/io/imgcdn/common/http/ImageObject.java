package io.imgcdn.common.http;

import java.util.Objects;

/**
 * One servable object as the tiers pass it along and cache it: the body and the headers that belong
 * to it. The body is never modified after construction; tiers share the array instead of copying
 * it.
 */
public record ImageObject(String contentType, String etag, String cacheControl, byte[] body) {
  /** Immutable objects are cached by browsers and every tier for a year (RFC 8246 immutable). */
  public static final String IMMUTABLE = "public, max-age=31536000, immutable";

  public ImageObject {
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(etag, "etag");
    Objects.requireNonNull(cacheControl, "cacheControl");
    Objects.requireNonNull(body, "body");
  }

  public int length() {
    return body.length;
  }
}
