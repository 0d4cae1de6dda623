package io.imgcdn.shard.store;

import java.util.Objects;

/**
 * What the shard keeps per cached response. {@code body} is the exact bytes served; {@code etag}
 * and {@code lastModified} are "" when the response had none.
 *
 * <p>The record does not copy {@code body}: whoever hands an array to the store, or receives one
 * from it, must not change it afterwards.
 */
public record StoredObject(
    String contentType,
    String etag,
    String lastModified,
    String cacheControl,
    long storedAtMillis,
    byte[] body) {

  /**
   * Longest content type, ETag, Last-Modified or Cache-Control value the encoding keeps, in UTF-8
   * bytes.
   */
  public static final int MAX_HEADER_VALUE_BYTES = 4096;

  public StoredObject {
    Objects.requireNonNull(contentType, "contentType");
    Objects.requireNonNull(etag, "etag");
    Objects.requireNonNull(lastModified, "lastModified");
    Objects.requireNonNull(cacheControl, "cacheControl");
    Objects.requireNonNull(body, "body");
    if (storedAtMillis < 0) {
      throw new IllegalArgumentException("storedAtMillis: " + storedAtMillis + " (expected: >= 0)");
    }
  }
}
