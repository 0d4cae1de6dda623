package io.imgcdn.common.fuzz;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.common.config.ConfigException;
import io.imgcdn.common.config.Settings;
import io.imgcdn.common.http.HttpError;
import io.imgcdn.common.url.ImageUrl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each bug the fuzz targets (and the bad-input corpus of dist's BadInputTest) found in the URL and
 * config parsers, as a plain regression test that says what the bug was; the seeds in
 * src/test/resources replay the same inputs through the fuzz targets.
 */
class FuzzFindingsTest {

  /*
   * Bad-input corpus, case ok_absolute_form: "GET http://cdn/photos/a.jpg HTTP/1.1" got 400, but RFC 9112
   * section 3.2.2 says a server MUST accept the absolute-form. The authority is dropped from the cache key.
   */
  @Test
  void parse_absoluteForm_sameAsOriginForm() {
    assertThat(ImageUrl.parse("http://cdn.example/v/w150/a.jpg?x=1"))
        .isEqualTo(ImageUrl.parse("/v/w150/a.jpg"));
    assertThat(ImageUrl.parse("HTTPS://[::1]:8080/a.jpg"))
        .isEqualTo(new ImageUrl.Original("a.jpg"));
    assertThatThrownBy(() -> ImageUrl.parse("http://cdn.example"))
        .isInstanceOf(HttpError.class)
        .hasMessageContaining("404");
    assertThatThrownBy(() -> ImageUrl.parse("http://c\u00e9/a.jpg"))
        .isInstanceOf(HttpError.class)
        .hasMessageContaining("400");
    assertThatThrownBy(() -> ImageUrl.parse("ftp://cdn/a.jpg"))
        .isInstanceOf(HttpError.class)
        .hasMessageContaining("400");
  }

  /*
   * ImageUrl.parse took a raw non-ASCII byte when the path had no '%' (the fast path skipped the check the
   * slow path makes), so "/café.jpg" sent as Latin-1 and "/caf%C3%A9.jpg" reached S3 as one key with two
   * spellings, and raw UTF-8 bytes reached it as mojibake.
   */
  @Test
  void parse_rawNonAsciiWithoutPercent_badRequest() {
    assertThatThrownBy(() -> ImageUrl.parse("/caf\u00e9.jpg"))
        .isInstanceOf(HttpError.class)
        .hasMessageContaining("400")
        .hasMessageContaining("percent-encoded");
    assertThat(ImageUrl.parse("/caf%C3%A9.jpg").objectKey()).isEqualTo("caf\u00e9.jpg");
  }

  /* parseDuration let Duration.ofDays/ofHours throw ArithmeticException past ~2^63 s, and returned durations
   * whose toMillis()/toNanos() (what timers call) throw: start-up died with a stack trace instead of a
   * ConfigException naming the key. */
  @Test
  void parseDuration_overflowingDays_illegalArgument() {
    assertThatThrownBy(() -> Settings.parseDuration("9223372036854775807d"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too large");
    assertThatThrownBy(() -> Settings.parseDuration("92036854775807h"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("too large");
    assertThat(Settings.parseDuration("106751d")).hasDays(106_751);
    Settings s = Settings.of(Map.of("x.timeout", "106751991167301d"));
    s.duration("x.timeout", "1s");
    assertThatThrownBy(s::finish)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("x.timeout");
  }

  /* Settings.load let Properties.load's IllegalArgumentException ("Malformed \\uxxxx encoding") escape. */
  @Test
  void load_malformedUnicodeEscape_configExceptionNamingTheFile(@TempDir Path dir)
      throws Exception {
    Path file = dir.resolve("node.properties");
    Files.writeString(file, "node.id=\\uZZZZ\n");
    assertThatThrownBy(() -> Settings.load(file, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(file.toString());
  }

  /* Settings.path let InvalidPathException (a NUL in the value) escape instead of naming the key. */
  @Test
  void path_nulCharacter_problemNamingTheKey() {
    Settings s = Settings.of(Map.of("x.dir", "/var/\u0000/cache"));
    assertThat(s.path("x.dir", "/tmp")).isEqualTo(Path.of("/tmp"));
    assertThatThrownBy(s::finish).isInstanceOf(ConfigException.class).hasMessageContaining("x.dir");
  }
}
