package io.imgcdn.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.lang.management.ManagementFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * RFC 9110 section 13.2.2 step by step, against a representation of 10 bytes with ETag {@code
 * "abc"} and Last-Modified {@code Sun, 06 Nov 1994 08:49:37 GMT}.
 */
class ConditionalRequestTest {
  private static final String ETAG = "\"abc\"";
  private static final String LAST_MODIFIED = "Sun, 06 Nov 1994 08:49:37 GMT";

  /** Names the table uses for dates and tags, so that each row fits on a line. */
  private static final Map<String, String> WORDS =
      Map.of(
          "LM", LAST_MODIFIED,
          "BEFORE", "Sat, 05 Nov 1994 08:49:37 GMT",
          "AFTER", "Mon, 07 Nov 1994 08:49:37 GMT",
          "LM_850", "Sunday, 06-Nov-94 08:49:37 GMT",
          "LM_ASCTIME", "Sun Nov  6 08:49:37 1994",
          "BAD_DATE", "yesterday",
          "TAG", ETAG,
          "WEAK_TAG", "W/" + ETAG,
          "OTHER", "\"other\"");

  private static String word(String cell) {
    return cell == null ? null : WORDS.getOrDefault(cell, cell);
  }

  @ParameterizedTest(name = "{0} If-Match={1} IUS={2} INM={3} IMS={4} Range={5} If-Range={6}")
  @CsvSource(
      delimiter = '|',
      nullValues = "-",
      value = {
        // method | If-Match | If-Unmodified-Since | If-None-Match | If-Modified-Since | Range |
        // If-Range | answer
        "GET  | -          | -        | -        | -        | -         | -        | 200",
        "HEAD | -          | -        | -        | -        | -         | -        | 200",
        // 1. If-Match: strong comparison; * matches any current representation
        "GET  | TAG        | -        | -        | -        | -         | -        | 200",
        "GET  | '\"x\", \"abc\"' | - | -        | -        | -         | -        | 200",
        "GET  | *          | -        | -        | -        | -         | -        | 200",
        "GET  | OTHER      | -        | -        | -        | -         | -        | 412 If-Match",
        "GET  | WEAK_TAG   | -        | -        | -        | -         | -        | 412 If-Match",
        "GET  | garbage    | -        | -        | -        | -         | -        | 412 If-Match",
        "HEAD | OTHER      | -        | -        | -        | -         | -        | 412 If-Match",
        "POST | OTHER      | -        | -        | -        | -         | -        | 412 If-Match",
        // a failing If-Match beats a matching If-None-Match, and a Range
        "GET  | OTHER      | -        | TAG      | -        | bytes=2-4 | -        | 412 If-Match",
        // 2. If-Unmodified-Since, only without If-Match
        "GET  | -          | LM       | -        | -        | -         | -        | 200",
        "GET  | -          | AFTER    | -        | -        | -         | -        | 200",
        "GET  | -          | BEFORE   | -        | -        | -         | -        | 412"
            + " If-Unmodified-Since",
        "GET  | -          | BAD_DATE | -        | -        | -         | -        | 200",
        "GET  | TAG        | BEFORE   | -        | -        | -         | -        | 200",
        "GET  | -          | BEFORE   | TAG      | -        | -         | -        | 412"
            + " If-Unmodified-Since",
        // 3. If-None-Match: weak comparison; 304 for GET and HEAD, 412 for the others
        "GET  | -          | -        | TAG      | -        | -         | -        | 304",
        "GET  | -          | -        | WEAK_TAG | -        | -         | -        | 304",
        "GET  | -          | -        | *        | -        | -         | -        | 304",
        "GET  | -          | -        | '\"x\", W/\"abc\"' | - | -      | -        | 304",
        "HEAD | -          | -        | TAG      | -        | -         | -        | 304",
        "POST | -          | -        | TAG      | -        | -         | -        | 412"
            + " If-None-Match",
        "PUT  | -          | -        | *        | -        | -         | -        | 412"
            + " If-None-Match",
        "GET  | -          | -        | OTHER    | -        | -         | -        | 200",
        // If-None-Match wins over a Range
        "GET  | -          | -        | TAG      | -        | bytes=2-4 | -        | 304",
        // 4. If-Modified-Since: GET and HEAD only, ignored when If-None-Match is there
        "GET  | -          | -        | -        | LM       | -         | -        | 304",
        "GET  | -          | -        | -        | AFTER    | -         | -        | 304",
        "GET  | -          | -        | -        | LM_850   | -         | -        | 304",
        "GET  | -          | -        | -        | LM_ASCTIME | -       | -        | 304",
        "HEAD | -          | -        | -        | LM       | -         | -        | 304",
        "GET  | -          | -        | -        | BEFORE   | -         | -        | 200",
        "GET  | -          | -        | -        | BAD_DATE | -         | -        | 200",
        "POST | -          | -        | -        | LM       | -         | -        | 200",
        "GET  | -          | -        | OTHER    | LM       | -         | -        | 200",
        "GET  | -          | -        | -        | BEFORE   | bytes=2-4 | -        | 206 2-4",
        "GET  | -          | -        | -        | LM       | bytes=2-4 | -        | 304",
        // 5. Range, GET only; If-Range by strong tag or exact date, else the whole
        "GET  | -          | -        | -        | -        | bytes=2-4 | -        | 206 2-4",
        "GET  | -          | -        | -        | -        | bytes=-3  | -        | 206 7-9",
        "GET  | -          | -        | -        | -        | bytes=8-  | -        | 206 8-9",
        "GET  | -          | -        | -        | -        | bytes=10- | -        | 416",
        "GET  | -          | -        | -        | -        | 'bytes=0-1,4-5' | -  | 200",
        "GET  | -          | -        | -        | -        | bytes=x-y | -        | 200",
        "GET  | -          | -        | -        | -        | items=0-1 | -        | 200",
        "HEAD | -          | -        | -        | -        | bytes=2-4 | -        | 200",
        "GET  | -          | -        | -        | -        | bytes=2-4 | TAG      | 206 2-4",
        "GET  | -          | -        | -        | -        | bytes=2-4 | WEAK_TAG | 200",
        "GET  | -          | -        | -        | -        | bytes=2-4 | OTHER    | 200",
        "GET  | -          | -        | -        | -        | bytes=2-4 | LM       | 206 2-4",
        "GET  | -          | -        | -        | -        | bytes=2-4 | LM_850   | 206 2-4",
        "GET  | -          | -        | -        | -        | bytes=2-4 | AFTER    | 200",
        "GET  | -          | -        | -        | -        | bytes=2-4 | BEFORE   | 200",
        "GET  | -          | -        | -        | -        | bytes=2-4 | BAD_DATE | 200",
        "GET  | -          | -        | -        | -        | bytes=10- | OTHER    | 200",
        "GET  | -          | -        | -        | -        | -         | OTHER    | 200",
        // all the preconditions passing, then the range
        "GET  | TAG        | -        | OTHER    | -        | bytes=2-4 | TAG      | 206 2-4",
        "GET  | -          | AFTER    | -        | BEFORE   | bytes=2-4 | LM       | 206 2-4",
      })
  void evaluate_rfc9110Order(
      String method,
      String ifMatch,
      String ifUnmodifiedSince,
      String ifNoneMatch,
      String ifModifiedSince,
      String range,
      String ifRange,
      String answer) {
    HttpHeaders h = new DefaultHttpHeaders().set("Host", "cdn").set("Accept", "image/*");
    set(h, "If-Match", ifMatch);
    set(h, "If-Unmodified-Since", ifUnmodifiedSince);
    set(h, "If-None-Match", ifNoneMatch);
    set(h, "If-Modified-Since", ifModifiedSince);
    set(h, "Range", range);
    set(h, "If-Range", ifRange);
    ConditionalRequest.Decision d =
        ConditionalRequest.evaluate(HttpMethod.valueOf(method), h, ETAG, LAST_MODIFIED, 10);
    assertThat(d.toString()).isEqualTo(answer);
  }

  private static void set(HttpHeaders h, String name, String cell) {
    String value = word(cell);
    if (value != null) {
      h.set(name, value);
    }
  }

  @Test
  void evaluate_withoutLastModified_dateConditionsIgnoredAndDateIfRangeFails() {
    assertThat(evaluate("", "If-Modified-Since", LAST_MODIFIED)).hasToString("200");
    assertThat(evaluate("", "If-Unmodified-Since", "Sat, 05 Nov 1994 08:49:37 GMT"))
        .hasToString("200");
    HttpHeaders ranged =
        new DefaultHttpHeaders().set("Range", "bytes=0-0").set("If-Range", LAST_MODIFIED);
    assertThat(ConditionalRequest.evaluate(HttpMethod.GET, ranged, ETAG, "", 10))
        .hasToString("200");
  }

  @Test
  void evaluate_withoutEtag_onlyStarMatches() {
    HttpHeaders h = new DefaultHttpHeaders().set("If-None-Match", ETAG);
    assertThat(ConditionalRequest.evaluate(HttpMethod.GET, h, "", LAST_MODIFIED, 10))
        .hasToString("200");
    h.set("If-None-Match", "*");
    assertThat(ConditionalRequest.evaluate(HttpMethod.GET, h, "", LAST_MODIFIED, 10))
        .hasToString("304");
    HttpHeaders ifMatch = new DefaultHttpHeaders().set("If-Match", ETAG);
    assertThat(ConditionalRequest.evaluate(HttpMethod.GET, ifMatch, "", LAST_MODIFIED, 10))
        .hasToString("412 If-Match");
  }

  @Test
  void evaluate_weakOwnTag_failsStrongComparisonsOnly() {
    String weak = "W/\"abc\"";
    assertThat(
            ConditionalRequest.evaluate(
                HttpMethod.GET, new DefaultHttpHeaders().set("If-Match", ETAG), weak, "", 10))
        .hasToString("412 If-Match");
    assertThat(
            ConditionalRequest.evaluate(
                HttpMethod.GET, new DefaultHttpHeaders().set("If-None-Match", ETAG), weak, "", 10))
        .hasToString("304");
    HttpHeaders ranged = new DefaultHttpHeaders().set("Range", "bytes=0-0").set("If-Range", weak);
    assertThat(ConditionalRequest.evaluate(HttpMethod.GET, ranged, weak, "", 10))
        .hasToString("200");
  }

  @Test
  void listMatches_tagsWithCommasAndBlanks_comparedWholly() {
    assertThat(ConditionalRequest.listMatches("\"a,b\", \"c\"", "\"a,b\"", true)).isTrue();
    assertThat(ConditionalRequest.listMatches("\"a,b\"", "\"a\"", false)).isFalse();
    assertThat(ConditionalRequest.listMatches(" * ", "\"a\"", true)).isTrue();
    assertThat(ConditionalRequest.listMatches("\"abc", "\"abc\"", false)).isFalse();
    assertThat(ConditionalRequest.listMatches("abc, \"abc\"", "\"abc\"", true)).isTrue();
    assertThat(ConditionalRequest.listMatches("\"abcd\"", "\"abc\"", false)).isFalse();
  }

  @Test
  void decision_lengthsAndContentRange() {
    HttpHeaders h = new DefaultHttpHeaders().set("Range", "bytes=2-4");
    ConditionalRequest.Decision partial =
        ConditionalRequest.evaluate(HttpMethod.GET, h, ETAG, LAST_MODIFIED, 10);
    assertThat(partial.first()).isEqualTo(2);
    assertThat(partial.length(10)).isEqualTo(3);
    assertThat(partial.contentRange(10)).isEqualTo("bytes 2-4/10");
    ConditionalRequest.Decision full = ConditionalRequest.Decision.FULL;
    assertThat(full.first()).isZero();
    assertThat(full.last(10)).isEqualTo(9);
    assertThat(full.length(10)).isEqualTo(10);
    assertThat(full.length(0)).isZero();
    assertThat(full.contentRange(10)).isNull();
    assertThat(ConditionalRequest.Decision.RANGE_NOT_SATISFIABLE.contentRange(10))
        .isEqualTo("bytes */10");
    assertThat(ConditionalRequest.Decision.NOT_MODIFIED.length(10)).isZero();
    assertThat(ConditionalRequest.Decision.NOT_MODIFIED.sendsRepresentation()).isFalse();
  }

  /**
   * The hit path: a request without conditional or range headers costs no allocation, only the
   * header lookups.
   */
  @Test
  void evaluate_requestWithoutTheseHeaders_allocatesNothing() {
    HttpHeaders h =
        new DefaultHttpHeaders()
            .set("Host", "cdn.example")
            .set("Accept", "image/avif,image/webp,*/*")
            .set("User-Agent", "probe/1.0")
            .set("Accept-Encoding", "gzip");
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    int calls = 100_000;
    long allocated = Long.MAX_VALUE;
    for (int round = 0; round < 3; round++) { // the first rounds warm the JIT up
      long before = threads.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < calls; i++) {
        if (ConditionalRequest.evaluate(HttpMethod.GET, h, ETAG, LAST_MODIFIED, 10)
            != ConditionalRequest.Decision.FULL) {
          throw new AssertionError("expected the whole representation");
        }
      }
      allocated = Math.min(allocated, threads.getCurrentThreadAllocatedBytes() - before);
    }
    assertThat(allocated).as("bytes allocated by %d evaluations", calls).isLessThan(calls / 10);
  }

  private static ConditionalRequest.Decision evaluate(
      String lastModified, String header, String value) {
    return ConditionalRequest.evaluate(
        HttpMethod.GET, new DefaultHttpHeaders().set(header, value), ETAG, lastModified, 10);
  }
}
