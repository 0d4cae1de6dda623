package io.imgcdn.common.http;

import org.jspecify.annotations.Nullable;

/** One satisfiable byte range of an object of known length (RFC 9110 section 14.1.2). */
public record ByteRange(long first, long last) {
  /** Marker for a syntactically valid range that lies entirely outside the object: 416. */
  public static final ByteRange UNSATISFIABLE = new ByteRange(-1, -1);

  public long length() {
    return last - first + 1;
  }

  /**
   * Parses a Range header against an object's length. Returns null when the header should be
   * ignored (not "bytes=", malformed, or several ranges: we then send the whole object, which RFC
   * 9110 allows), {@link #UNSATISFIABLE} when no byte of it exists, else the clamped range.
   */
  public static @Nullable ByteRange parse(String header, long length) {
    String h = header.trim();
    if (!h.regionMatches(true, 0, "bytes=", 0, 6)) {
      return null;
    }
    String spec = h.substring(6).trim();
    if (spec.isEmpty() || spec.indexOf(',') >= 0) {
      return null;
    }
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    String a = spec.substring(0, dash).trim();
    String b = spec.substring(dash + 1).trim();
    try {
      if (a.isEmpty()) {
        if (b.isEmpty()) {
          return null;
        }
        long suffix = Long.parseLong(b);
        if (suffix <= 0 || length == 0) {
          return UNSATISFIABLE;
        }
        return new ByteRange(Math.max(0, length - suffix), length - 1);
      }
      long first = Long.parseLong(a);
      long last = b.isEmpty() ? Long.MAX_VALUE : Long.parseLong(b);
      if (first < 0 || last < first) {
        return null; // invalid: ignored (RFC 9110 section 14.1.1)
      }
      if (first >= length) {
        return UNSATISFIABLE; // "bytes=5000-" of a 1000-byte object
      }
      return new ByteRange(first, Math.min(last, length - 1));
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
