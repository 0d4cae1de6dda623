package io.imgcdn.common.url;

import io.imgcdn.common.http.HttpError;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/** Strict percent-decoding and encoding of URL paths (RFC 3986 section 2.1), UTF-8 only. */
public final class UrlCodec {
  private static final char[] HEX = "0123456789ABCDEF".toCharArray();

  private UrlCodec() {}

  /**
   * Decodes a raw path. Refuses (400) malformed escapes, invalid UTF-8, encoded slashes and control
   * characters, so that one key has exactly one spelling that reaches S3.
   */
  public static String decodePath(String raw) {
    if (raw.indexOf('%') < 0) {
      // Same rule as below: a raw byte above 0x7F has two readings (Latin-1 from the codec, or
      // UTF-8),
      // so it would give one key two spellings. Found by ImageUrlFuzzTest.
      for (int i = 0; i < raw.length(); i++) {
        if (raw.charAt(i) > 0x7f) {
          throw HttpError.badRequest(
              "non-ASCII character in the request target must be percent-encoded");
        }
      }
      checkChars(raw);
      return raw;
    }
    ByteBuffer bytes = ByteBuffer.allocate(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length()) {
          throw HttpError.badRequest("truncated percent-escape at position " + i);
        }
        int hi = Character.digit(raw.charAt(i + 1), 16);
        int lo = Character.digit(raw.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw HttpError.badRequest("invalid percent-escape at position " + i);
        }
        int b = (hi << 4) | lo;
        if (b == '/') {
          throw HttpError.badRequest("encoded slash (%2F) is not allowed in a path");
        }
        bytes.put((byte) b);
        i += 2;
      } else if (c > 0x7f) {
        throw HttpError.badRequest(
            "non-ASCII character in the request target must be percent-encoded");
      } else {
        bytes.put((byte) c);
      }
    }
    bytes.flip();
    String decoded;
    try {
      decoded =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(bytes)
              .toString();
    } catch (CharacterCodingException e) {
      throw HttpError.badRequest("percent-encoded bytes are not valid UTF-8");
    }
    checkChars(decoded);
    return decoded;
  }

  private static void checkChars(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0)) {
        throw HttpError.badRequest("control character in the path");
      }
      if (c == '\\') {
        throw HttpError.badRequest("backslash is not allowed in the path");
      }
    }
  }

  /**
   * Percent-encodes everything in a decoded path but unreserved characters, sub-delims, ':', '@'
   * and '/'.
   */
  public static String encodePath(String decoded) {
    StringBuilder out = null;
    for (int i = 0; i < decoded.length(); i++) {
      char c = decoded.charAt(i);
      if (!isPathChar(c)) {
        out = new StringBuilder(decoded.length() + 16).append(decoded, 0, i);
        break;
      }
    }
    if (out == null) {
      return decoded;
    }
    ByteBuffer utf8 =
        StandardCharsets.UTF_8.encode(CharBuffer.wrap(decoded, out.length(), decoded.length()));
    while (utf8.hasRemaining()) {
      int b = utf8.get() & 0xff;
      if (b < 0x80 && isPathChar((char) b)) {
        out.append((char) b);
      } else {
        out.append('%').append(HEX[b >> 4]).append(HEX[b & 0xf]);
      }
    }
    return out.toString();
  }

  static int utf8Length(String s) {
    int n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        n++;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c)) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  private static boolean isPathChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "-._~!$&'()*+,;=:@/".indexOf(c) >= 0;
  }
}
