package io.imgcdn.common.fuzz;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imgcdn.common.http.HttpError;
import io.imgcdn.common.url.ImageUrl;
import io.imgcdn.common.url.UrlCodec;

/**
 * Fuzz targets for the URL contract parser ({@link ImageUrl#parse}, {@link UrlCodec}): every tier
 * runs it on every request target a client sends.
 */
class ImageUrlFuzzTest {
  /*
   * How to run: `./mvnw -pl common test` replays the seeds in src/test/resources/io/imgcdn/common/fuzz/
   * ImageUrlFuzzTestInputs/<method>/ (regression mode, milliseconds). JAZZER_FUZZ=1 with -Dtest=Class#method
   * fuzzes one target for maxDuration (docs/RELIABILITY.md has the command, docs/BENCHMARKS.md the
   * figures). Inputs are raw bytes read as ISO-8859-1: that is what Netty's HttpObjectDecoder hands
   * us for the request line (one char per byte), so the fuzzer sees exactly the strings a socket
   * can produce.
   */

  /**
   * Any request target: the parser answers 400 or 404 and nothing else; what it accepts is ASCII,
   * safe to hand to S3 (no empty, '.' or '..' segment, no control character, key at most 1024
   * bytes, segments at most 255) and round-trips: parsing {@code encodedPath()} gives the same URL
   * back. (Dictionary entries use libFuzzer dictionary syntax: a backslash is doubled, other bytes
   * are \xHH.)
   */
  @FuzzTest(maxDuration = "5m")
  @DictionaryEntries({
    "/v/",
    "/t/",
    "%2F",
    "%2e%2e",
    "%C3%A9",
    "%",
    "..",
    "?",
    "#",
    "w150",
    "w=100,h=90",
    "\\\\"
  })
  void parse_anyRequestTarget_onlyClientErrorsAndRoundTrips(byte[] data) {
    String target = new String(data, ISO_8859_1);
    ImageUrl url;
    try {
      url = ImageUrl.parse(target);
    } catch (HttpError e) {
      assertThat(e.status().code()).as("status for %s", target).isIn(400, 404);
      return;
    }
    String rawPath = target.split("[?#]", 2)[0]; // the query and a fragment are dropped, never used
    assertThat(rawPath.chars().allMatch(c -> c < 0x80))
        .as("accepted a raw non-ASCII path: %s", target)
        .isTrue();
    assertSafe(url);
    String encoded = url.encodedPath();
    assertThat(encoded.chars().allMatch(c -> c > 0x20 && c < 0x7f))
        .as("encoded %s", encoded)
        .isTrue();
    assertThat(ImageUrl.parse(encoded)).isEqualTo(url);
  }

  /**
   * Any object key, percent-encoded by {@link UrlCodec#encodePath}: the parser gives the same key
   * back exactly when the key obeys the documented rules (a reference model), and 400 otherwise.
   */
  @FuzzTest(maxDuration = "5m")
  void encodePath_anyKey_parsesBackExactlyWhenValid(byte[] data) {
    String key = new String(data, UTF_8);
    String first = key.split("/", -1)[0];
    if (first.equals("v") || first.equals("t")) {
      return; // variant prefixes: not original keys, by contract
    }
    String target = "/" + UrlCodec.encodePath(key);
    ImageUrl url;
    try {
      url = ImageUrl.parse(target);
    } catch (HttpError e) {
      assertThat(validKey(key)).as("refused a valid key %s (%s)", key, e.getMessage()).isFalse();
      assertThat(e.status().code()).isIn(400, 404);
      return;
    }
    assertThat(validKey(key)).as("accepted an invalid key %s", key).isTrue();
    assertThat(url).isEqualTo(new ImageUrl.Original(key));
  }

  private static void assertSafe(ImageUrl url) {
    String key = url.objectKey();
    assertThat(validKey(key)).as("unsafe key %s from %s", key, url).isTrue();
    assertThat(url.path()).endsWith("/" + key);
  }

  /** The documented key rules, written independently of the parser. */
  static boolean validKey(String key) {
    if (key.isEmpty() || key.getBytes(UTF_8).length > ImageUrl.MAX_KEY_BYTES) {
      return false;
    }
    for (String segment : key.split("/", -1)) {
      if (segment.isEmpty()
          || segment.equals(".")
          || segment.equals("..")
          || segment.getBytes(UTF_8).length > ImageUrl.MAX_KEY_SEGMENT_BYTES) {
        return false;
      }
    }
    return key.chars()
        .noneMatch(c -> c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\\');
  }
}
