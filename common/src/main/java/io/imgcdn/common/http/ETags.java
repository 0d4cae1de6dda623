package io.imgcdn.common.http;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/** Strong entity tags derived from the bytes, so every tier and every restart agrees on them. */
public final class ETags {
  private ETags() {}

  /** A quoted, 128-bit SHA-256 prefix in URL-safe base64: {@code "q1w2..."}. */
  public static String of(byte[] body) {
    MessageDigest sha256 = digest();
    sha256.update(body);
    return of(sha256);
  }

  /**
   * A digest to feed a body to as it arrives (a large one need not be read twice); {@link
   * #of(MessageDigest)} makes the tag.
   */
  public static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** The tag of the body fed to {@code sha256} (from {@link #digest()}); resets it. */
  public static String of(MessageDigest sha256) {
    byte[] digest = sha256.digest();
    return '"'
        + Base64.getUrlEncoder()
            .withoutPadding()
            .encodeToString(java.util.Arrays.copyOf(digest, 16))
        + '"';
  }
}
