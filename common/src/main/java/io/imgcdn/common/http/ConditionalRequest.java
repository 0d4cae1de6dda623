package io.imgcdn.common.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.jspecify.annotations.Nullable;

/**
 * Evaluates a request's preconditions and Range against the validators of the representation it
 * selects (RFC 9110 section 13.2.2): the answer is the whole representation (200), 304, 412, one
 * range of it (206) or 416. The one copy of these rules for every tier's response writers.
 */
public final class ConditionalRequest {
  /*
   * Order (RFC 9110 section 13.2.2), each step reached only when the ones before let the request through:
   *   1. If-Match: false -> 412.
   *   2. If-Unmodified-Since, only without If-Match: false -> 412.
   *   3. If-None-Match: false -> 304 for GET and HEAD, 412 for any other method.
   *   4. If-Modified-Since, only for GET and HEAD and only without If-None-Match: false -> 304.
   *   5. Range, for GET only (section 14.2: range handling is defined for GET alone), unless If-Range is
   *      false: one satisfiable range -> 206, a range beyond the end -> 416. Several ranges, a malformed
   *      one or a unit other than bytes -> the whole representation (ByteRange; RFC 9110 allows it and it
   *      keeps multipart/byteranges out of every tier).
   * Comparisons (section 8.8.3.2): If-Match and If-Range compare entity-tags strongly (both tags strong,
   * same opaque-tag), If-None-Match weakly (same opaque-tag). "*" matches any current representation,
   * and there is one whenever this is asked. Dates compare in whole seconds. A date that is not an
   * HTTP-date, or a representation without a Last-Modified, makes If-Modified-Since and
   * If-Unmodified-Since ignored (sections 13.1.3, 13.1.4); an If-Range date holds only when it equals the
   * Last-Modified exactly (section 13.1.5), and anything that is neither an entity-tag nor a date fails.
   *
   * Cost on the hit path: a request with none of these headers makes five header lookups and allocates
   * nothing. Every decision but a 206 is a constant; a 206 allocates itself and its ByteRange.
   */

  private ConditionalRequest() {}

  /**
   * What the request asks of a representation of {@code length} bytes with these validators.
   *
   * @param etag the representation's entity-tag, quoted (possibly {@code W/}), or "" when it has
   *     none
   * @param lastModified its Last-Modified value, or "" when it has none
   */
  public static Decision evaluate(
      HttpMethod method, HttpHeaders request, String etag, String lastModified, long length) {
    String ifMatch = request.get(HttpHeaderNames.IF_MATCH);
    if (ifMatch != null) {
      if (!listMatches(ifMatch, etag, true)) {
        return Decision.IF_MATCH_FAILED;
      }
    } else {
      String ifUnmodifiedSince = request.get(HttpHeaderNames.IF_UNMODIFIED_SINCE);
      if (ifUnmodifiedSince != null && modifiedAfter(lastModified, ifUnmodifiedSince)) {
        return Decision.IF_UNMODIFIED_SINCE_FAILED;
      }
    }
    boolean getOrHead = HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method);
    String ifNoneMatch = request.get(HttpHeaderNames.IF_NONE_MATCH);
    if (ifNoneMatch != null) {
      if (listMatches(ifNoneMatch, etag, false)) {
        return getOrHead ? Decision.NOT_MODIFIED : Decision.IF_NONE_MATCH_FAILED;
      }
    } else if (getOrHead) {
      String ifModifiedSince = request.get(HttpHeaderNames.IF_MODIFIED_SINCE);
      if (ifModifiedSince != null && notModifiedSince(lastModified, ifModifiedSince)) {
        return Decision.NOT_MODIFIED;
      }
    }
    String range = request.get(HttpHeaderNames.RANGE);
    if (range == null || !HttpMethod.GET.equals(method)) {
      return Decision.FULL;
    }
    String ifRange = request.get(HttpHeaderNames.IF_RANGE);
    if (ifRange != null && !ifRangeHolds(ifRange, etag, lastModified)) {
      return Decision.FULL; // the representation changed: all of it (section 13.1.5)
    }
    ByteRange parsed = ByteRange.parse(range, length);
    if (parsed == null) {
      return Decision.FULL;
    }
    if (parsed == ByteRange.UNSATISFIABLE) {
      return Decision.RANGE_NOT_SATISFIABLE;
    }
    return new Decision(HttpResponseStatus.PARTIAL_CONTENT, parsed.first(), parsed.last(), null);
  }

  /**
   * Whether an If-Match or If-None-Match value ({@code *}, or a comma-separated list of
   * entity-tags) names {@code etag}: by the strong comparison when {@code strong}, else the weak
   * one. Members that are not entity-tags match nothing.
   */
  static boolean listMatches(String field, String etag, boolean strong) {
    if (isStar(field)) {
      return true;
    }
    boolean ownWeak = etag.startsWith("W/");
    if (etag.isEmpty() || strong && ownWeak) {
      return false;
    }
    int ownStart = ownWeak ? 2 : 0;
    int ownLength = etag.length() - ownStart;
    int n = field.length();
    int i = 0;
    while (i < n) {
      char c = field.charAt(i);
      if (c == ' ' || c == '\t' || c == ',') {
        i++;
        continue;
      }
      boolean weak = field.startsWith("W/", i);
      int open = weak ? i + 2 : i;
      if (open < n && field.charAt(open) == '"') {
        int close = field.indexOf('"', open + 1);
        if (close < 0) {
          return false; // an unterminated tag: nothing after it can be a tag
        }
        if (!(strong && weak)
            && close + 1 - open == ownLength
            && field.regionMatches(open, etag, ownStart, ownLength)) {
          return true;
        }
        i = close + 1;
      } else {
        int comma = field.indexOf(',', i);
        if (comma < 0) {
          return false;
        }
        i = comma + 1;
      }
    }
    return false;
  }

  /**
   * If-Range (section 13.1.5): an entity-tag strongly matching {@code etag}, or a date equal to
   * {@code lastModified}.
   */
  static boolean ifRangeHolds(String ifRange, String etag, String lastModified) {
    String v = ifRange.strip();
    if (v.startsWith("\"") || v.startsWith("W/\"")) {
      return !v.startsWith("W/") && !etag.startsWith("W/") && !etag.isEmpty() && v.equals(etag);
    }
    long date = HttpDates.parse(v);
    return date != HttpDates.INVALID && date == HttpDates.parse(lastModified);
  }

  /** If-Unmodified-Since is false: the representation changed after the date. */
  private static boolean modifiedAfter(String lastModified, String date) {
    long since = HttpDates.parse(date);
    long modified = HttpDates.parse(lastModified);
    return since != HttpDates.INVALID && modified != HttpDates.INVALID && modified > since;
  }

  /** If-Modified-Since is false: the representation has not changed since the date. */
  private static boolean notModifiedSince(String lastModified, String date) {
    long since = HttpDates.parse(date);
    long modified = HttpDates.parse(lastModified);
    return since != HttpDates.INVALID && modified != HttpDates.INVALID && modified <= since;
  }

  private static boolean isStar(String field) {
    int from = 0;
    int to = field.length();
    while (from < to && isBlank(field.charAt(from))) {
      from++;
    }
    while (to > from && isBlank(field.charAt(to - 1))) {
      to--;
    }
    return to - from == 1 && field.charAt(from) == '*';
  }

  private static boolean isBlank(char c) {
    return c == ' ' || c == '\t';
  }

  /**
   * The answer {@link #evaluate} chose: its status, the byte range a 206 sends, and the header
   * whose condition a 412 failed.
   */
  public static final class Decision {
    /** 200 with the whole representation. */
    public static final Decision FULL = new Decision(HttpResponseStatus.OK, 0, -1, null);

    /** 304: If-None-Match or If-Modified-Since found the client's copy current. */
    public static final Decision NOT_MODIFIED =
        new Decision(HttpResponseStatus.NOT_MODIFIED, 0, -1, null);

    /** 416: the one range asked for lies beyond the end. */
    public static final Decision RANGE_NOT_SATISFIABLE =
        new Decision(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, 0, -1, null);

    static final Decision IF_MATCH_FAILED = failed("If-Match");
    static final Decision IF_UNMODIFIED_SINCE_FAILED = failed("If-Unmodified-Since");
    static final Decision IF_NONE_MATCH_FAILED = failed("If-None-Match");

    private final HttpResponseStatus status;
    private final long first;
    private final long last;
    private final @Nullable String failedPrecondition;

    private Decision(
        HttpResponseStatus status, long first, long last, @Nullable String failedPrecondition) {
      this.status = status;
      this.first = first;
      this.last = last;
      this.failedPrecondition = failedPrecondition;
    }

    private static Decision failed(String header) {
      return new Decision(HttpResponseStatus.PRECONDITION_FAILED, 0, -1, header);
    }

    public HttpResponseStatus status() {
      return status;
    }

    /** Whether the answer carries the representation's bytes (a 200, or a 206 of one range). */
    public boolean sendsRepresentation() {
      return status == HttpResponseStatus.OK || status == HttpResponseStatus.PARTIAL_CONTENT;
    }

    /** The first byte sent: 0 for a 200 (and for answers that send none). */
    public long first() {
      return first;
    }

    /** The last byte sent of a representation of {@code length} bytes (-1 when none is). */
    public long last(long length) {
      if (status == HttpResponseStatus.OK) {
        return length - 1;
      }
      return status == HttpResponseStatus.PARTIAL_CONTENT ? last : -1;
    }

    /** Bytes of the representation sent: all of it, the range's, or 0 for 304, 412 and 416. */
    public long length(long length) {
      return last(length) - first + 1;
    }

    /**
     * The Content-Range of a 206 ({@code bytes 0-99/1000}) or 416 ({@code bytes *}{@code /1000}),
     * null for the others.
     */
    public @Nullable String contentRange(long length) {
      if (status == HttpResponseStatus.PARTIAL_CONTENT) {
        return "bytes " + first + "-" + last + "/" + length;
      }
      return status == HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE
          ? "bytes */" + length
          : null;
    }

    /** The header whose condition a 412 failed ("If-Match"...), null for other answers. */
    public @Nullable String failedPrecondition() {
      return failedPrecondition;
    }

    @Override
    public String toString() {
      return status.code()
          + (failedPrecondition != null ? " " + failedPrecondition : "")
          + (status == HttpResponseStatus.PARTIAL_CONTENT ? " " + first + "-" + last : "");
    }
  }
}
