package io.imgcdn.common.http;

/**
 * What a client's {@code Accept} header says about the modern image formats, reduced to the four
 * classes every tier keys on when a response varies by {@code Accept}.
 */
public enum AcceptClass {
  /** Neither WebP nor AVIF named: JPEG and PNG only. */
  PLAIN("", "*/*"),
  WEBP("webp", "image/webp,*/*"),
  AVIF("avif", "image/avif,*/*"),
  AVIF_WEBP("avif+webp", "image/avif,image/webp,*/*");

  /*
   * Why classes and not the raw header: browsers send dozens of Accept strings (Chrome's differs by version
   * and by request type), and a cache that keys on the raw value stores one copy per string (the reason
   * Varnish and Fastly tell you to normalise Accept). Only two facts decide the origin's choice, so every
   * tier reduces the header to them, keys on the class, and forwards the class's canonical header
   * upstream: the next tier computes the same class from it.
   *
   * Only an explicit media type counts. "image/*" and "* / *" do not promise WebP or AVIF (old Safari sends
   * image/* and cannot decode WebP); q=0 excludes a type (RFC 9110 section 12.4.2).
   */

  /** The header value that marks a response as varying by this: {@code Vary: Accept}. */
  public static final String VARY = "Accept";

  private final String token;
  private final String canonicalAccept;

  AcceptClass(String token, String canonicalAccept) {
    this.token = token;
    this.canonicalAccept = canonicalAccept;
  }

  /** A short name for logs and cache keys: "", "webp", "avif" or "avif+webp". */
  public String token() {
    return token;
  }

  /**
   * The Accept header a tier sends upstream for this class; {@link #of} maps it back to this class.
   */
  public String canonicalAccept() {
    return canonicalAccept;
  }

  public boolean webp() {
    return this == WEBP || this == AVIF_WEBP;
  }

  public boolean avif() {
    return this == AVIF || this == AVIF_WEBP;
  }

  /**
   * The class of an Accept header value; {@code null}, blank or unparsable parts count as not
   * naming anything. Runs on the event loop: no regex, no allocation beyond the loop itself.
   */
  public static AcceptClass of(CharSequence accept) {
    if (accept == null) {
      return PLAIN;
    }
    boolean webp = false;
    boolean avif = false;
    int n = accept.length();
    int i = 0;
    while (i < n) {
      int end = i;
      while (end < n && accept.charAt(end) != ',') {
        end++;
      }
      int semicolon = indexOf(accept, ';', i, end);
      int typeEnd = semicolon < 0 ? end : semicolon;
      if (semicolon < 0 || qualityAboveZero(accept, semicolon, end)) {
        if (equalsTrimmed(accept, i, typeEnd, "image/webp")) {
          webp = true;
        } else if (equalsTrimmed(accept, i, typeEnd, "image/avif")) {
          avif = true;
        }
      }
      i = end + 1;
    }
    return webp ? (avif ? AVIF_WEBP : WEBP) : (avif ? AVIF : PLAIN);
  }

  /**
   * The key under which a response that varies by Accept is stored: the plain key, a separator, the
   * token.
   */
  public String key(String plainKey) {
    return plainKey + '\u0002' + token;
  }

  private static int indexOf(CharSequence s, char c, int from, int to) {
    for (int i = from; i < to; i++) {
      if (s.charAt(i) == c) {
        return i;
      }
    }
    return -1;
  }

  private static boolean equalsTrimmed(CharSequence s, int from, int to, String expected) {
    while (from < to && isBlank(s.charAt(from))) {
      from++;
    }
    while (to > from && isBlank(s.charAt(to - 1))) {
      to--;
    }
    if (to - from != expected.length()) {
      return false;
    }
    for (int i = 0; i < expected.length(); i++) {
      if (Character.toLowerCase(s.charAt(from + i)) != expected.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Whether the parameters between {@code semicolon} and {@code end} leave q above zero (default
   * 1).
   */
  private static boolean qualityAboveZero(CharSequence s, int semicolon, int end) {
    int i = semicolon;
    while (i < end) {
      int next = indexOf(s, ';', i + 1, end);
      int paramEnd = next < 0 ? end : next;
      int eq = indexOf(s, '=', i + 1, paramEnd);
      if (eq > 0 && equalsTrimmed(s, i + 1, eq, "q")) {
        // q = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ): above zero unless every digit is
        // 0
        for (int j = eq + 1; j < paramEnd; j++) {
          char c = s.charAt(j);
          if (c >= '1' && c <= '9') {
            return true;
          }
        }
        return false;
      }
      i = paramEnd;
    }
    return true;
  }

  private static boolean isBlank(char c) {
    return c == ' ' || c == '\t';
  }
}
