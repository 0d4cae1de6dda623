package io.imgcdn.common.url;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs and verifies ad-hoc variant URLs ({@code /t/{signature}/{options}/{key}}) with HMAC-SHA256,
 * so that only holders of the key can mint new thumbnail sizes. Thread-safe.
 */
public final class UrlSigner {

  /*
   * The signed message is the URL path after the signature, "{options}/{key}" (imgproxy signs the
   * same part), as UTF-8. The signature is the full 32-byte MAC in URL-safe base64 without
   * padding (43 characters), so it sits in a path segment unescaped. Verification decodes the
   * presented signature and compares MACs with MessageDigest.isEqual, which takes time independent
   * of where the first differing byte is (JDK 6u17+), so an attacker cannot find the MAC byte by
   * byte from response times. Mac instances are not thread-safe: each call clones a prototype that
   * already holds the key schedule.
   */

  private static final String ALGORITHM = "HmacSHA256";

  /** Shortest accepted key; RFC 2104 section 3 recommends at least the hash output (32 bytes). */
  public static final int MIN_KEY_BYTES = 16;

  /** Length of a signature: 32 bytes in base64 without padding. */
  public static final int SIGNATURE_CHARS = 43;

  private final Mac prototype;

  /**
   * @param key the secret, at least {@value #MIN_KEY_BYTES} bytes (32 random bytes recommended)
   */
  public UrlSigner(byte[] key) {
    Objects.requireNonNull(key, "key");
    if (key.length < MIN_KEY_BYTES) {
      throw new IllegalArgumentException(
          "key: " + key.length + " bytes (expected: >= " + MIN_KEY_BYTES + ")");
    }
    try {
      prototype = Mac.getInstance(ALGORITHM);
      prototype.init(new SecretKeySpec(key, ALGORITHM));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(ALGORITHM + " unavailable", e);
    }
  }

  /** The signature of {@code optionsAndKey} (e.g. {@code "w=240,h=240,fit=cover/photos/a.jpg"}). */
  public String sign(String optionsAndKey) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(mac(optionsAndKey));
  }

  /**
   * Whether {@code signature} is the signature of {@code optionsAndKey}; false for a malformed
   * signature. The MAC comparison takes constant time.
   */
  public boolean verify(String signature, String optionsAndKey) {
    if (signature == null || optionsAndKey == null || signature.length() != SIGNATURE_CHARS) {
      // Also refuses the padded spelling: one valid URL per variant, not several.
      return false;
    }
    byte[] presented;
    try {
      presented = Base64.getUrlDecoder().decode(signature);
    } catch (IllegalArgumentException malformed) {
      return false;
    }
    return MessageDigest.isEqual(presented, mac(optionsAndKey));
  }

  private byte[] mac(String message) {
    Objects.requireNonNull(message, "optionsAndKey");
    Mac mac;
    try {
      mac = (Mac) prototype.clone();
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException(ALGORITHM + " provider cannot clone", e);
    }
    return mac.doFinal(message.getBytes(StandardCharsets.UTF_8));
  }
}
