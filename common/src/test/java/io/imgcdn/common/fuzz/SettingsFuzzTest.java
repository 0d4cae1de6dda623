package io.imgcdn.common.fuzz;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imgcdn.common.config.ConfigException;
import io.imgcdn.common.config.NodeSettings;
import io.imgcdn.common.config.Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Fuzz targets for configuration values and files: a bad one must stop start-up with a
 * ConfigException.
 */
class SettingsFuzzTest {
  private static final Path FILE = tempFile();

  private static Path tempFile() {
    try {
      Path file = Files.createTempFile("imgcdn-fuzz-", ".properties");
      file.toFile().deleteOnExit();
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Any size text: a non-negative byte count that reads back the same, or IllegalArgumentException.
   */
  @FuzzTest(maxDuration = "2m")
  @DictionaryEntries({"k", "m", "g", "t", "ib", "b", " ", "9223372036854775807", "8388608t"})
  void parseBytes_anyText_nonNegativeOrIllegalArgument(byte[] data) {
    String raw = new String(data, UTF_8);
    long bytes;
    try {
      bytes = Settings.parseBytes(raw);
    } catch (IllegalArgumentException e) {
      return;
    }
    assertThat(bytes).isNotNegative();
    assertThat(Settings.parseBytes(Long.toString(bytes))).isEqualTo(bytes);
  }

  /**
   * Any duration text: a non-negative duration that a timer can take in nanoseconds and that reads
   * back the same, or IllegalArgumentException.
   */
  @FuzzTest(maxDuration = "2m")
  @DictionaryEntries({"ms", "s", "m", "h", "d", " ", "9223372036854775807", "106751991167300d"})
  void parseDuration_anyText_nonNegativeOrIllegalArgument(byte[] data) {
    String raw = new String(data, UTF_8);
    Duration duration;
    try {
      duration = Settings.parseDuration(raw);
    } catch (IllegalArgumentException e) {
      return;
    }
    assertThat(duration.isNegative()).isFalse();
    assertThat(duration.toNanos()).isNotNegative(); // timers take nanos: must not overflow
    assertThat(Settings.parseDuration(duration.toMillis() + "ms"))
        .isEqualTo(Duration.ofMillis(duration.toMillis()));
  }

  /**
   * Any properties file read through the typed accessors a node uses: start-up either succeeds or
   * fails with one ConfigException; nothing else escapes.
   */
  @FuzzTest(maxDuration = "5m")
  @DictionaryEntries({
    "node.id=",
    "server.port=",
    "admin.token=",
    "x.size=",
    "x.timeout=",
    "x.flag=",
    "x.dir=",
    "\\\\u",
    "\\\\u0000",
    "\\x0a"
  })
  void load_anyPropertiesFile_onlyConfigException(byte[] data) throws IOException {
    Files.write(FILE, data);
    try {
      Settings settings = Settings.load(FILE, Map.of());
      NodeSettings.from(settings, "node-1", 8080, 9080);
      settings.bytes("x.size", "1m", 0);
      settings.duration("x.timeout", "1s");
      settings.bool("x.flag", false);
      settings.integer("x.count", 1, 1, 100);
      settings.path("x.dir", "/tmp");
      settings.withPrefix("x.preset.");
      settings.finish();
    } catch (ConfigException e) {
      assertThat(e.problems()).isNotEmpty();
    }
  }
}
