package io.imgcdn.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

  @Test
  void load_fileThenOverrides_overrideWins(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("edge.properties");
    Files.writeString(file, "edge.cache.max-bytes = 64m\nserver.port=8080\n");
    Settings s = Settings.load(file, Settings.parseOverrides(List.of("server.port=9090")));
    assertThat(s.bytes("edge.cache.max-bytes", "1g", 0)).isEqualTo(64L << 20);
    assertThat(s.port("server.port", 1)).isEqualTo(9090);
    s.finish();
  }

  @Test
  void finish_unknownKey_namesTheKey() {
    Settings s = Settings.of(Map.of("server.port", "1", "edge.cache.max-byts", "1g"));
    s.port("server.port", 0);
    assertThatThrownBy(s::finish)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("edge.cache.max-byts: unknown key");
  }

  @Test
  void finish_severalBadValues_listsEveryOne() {
    Settings s =
        Settings.of(
            Map.of("a.size", "12q", "a.time", "soon", "a.port", "70000", "a.flag", "maybe"));
    s.bytes("a.size", "1m", 0);
    s.duration("a.time", "1s");
    s.port("a.port", 0);
    s.bool("a.flag", false);
    assertThatThrownBy(s::finish)
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .containsExactly(
                        "a.size: '12q' (expected: a size such as 512k, 64m or 2g)",
                        "a.time: 'soon' (expected: a duration such as 500ms, 10s or 5m)",
                        "a.port: 70000 (expected: an integer from 0 to 65535)",
                        "a.flag: 'maybe' (expected: true or false)"));
  }

  @Test
  void withPrefix_dynamicKeys_understood() {
    Settings s =
        Settings.of(Map.of("origin.preset.w150", "w=150", "origin.preset.sq240", "w=240,h=240"));
    assertThat(s.withPrefix("origin.preset."))
        .containsExactly(Map.entry("sq240", "w=240,h=240"), Map.entry("w150", "w=150"));
    s.finish();
  }

  @Test
  void required_missing_reported() {
    Settings s = Settings.of(Map.of());
    s.required("origin.s3.bucket");
    assertThatThrownBy(s::finish).hasMessageContaining("origin.s3.bucket: required");
  }

  @Test
  void parseOverrides_withoutEquals_rejected() {
    assertThatThrownBy(() -> Settings.parseOverrides(List.of("server.port")))
        .hasMessageContaining("expected key=value");
  }

  @Test
  void parseBytesAndDurations_suffixes() {
    assertThat(Settings.parseBytes("512k")).isEqualTo(512L << 10);
    assertThat(Settings.parseBytes("2G")).isEqualTo(2L << 30);
    assertThat(Settings.parseBytes("100")).isEqualTo(100);
    assertThat(Settings.parseBytes("4gb")).isEqualTo(4L << 30);
    assertThat(Settings.parseDuration("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(Settings.parseDuration("5m")).isEqualTo(Duration.ofMinutes(5));
    assertThatThrownBy(() -> Settings.parseBytes("99999999999999999g"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void nodeSettings_badId_reported() {
    Settings s = Settings.of(Map.of("node.id", "edge 1"));
    NodeSettings.from(s, "edge-1", 8080, 9080);
    assertThatThrownBy(s::finish).hasMessageContaining("node.id: 'edge 1'");
  }
}
