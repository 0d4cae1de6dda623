package io.imgcdn.common.http;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** Strong entity tags derived from the bytes, so every tier and every restart agrees on them. */
public final class ETags {
  private ETags() {}

  /** A quoted, 128-bit SHA-256 prefix in URL-safe base64: {@code "q1w2..."}. */
  public static String of(byte[] body) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
      return '"'
          + Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString(java.util.Arrays.copyOf(digest, 16))
          + '"';
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
