package io.imgcdn.origin.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.common.config.ConfigException;
import io.imgcdn.common.config.Settings;
import io.imgcdn.origin.options.OutputFormat;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OriginConfigTest {

  private static OriginConfig parse(Map<String, String> extra) {
    Map<String, String> m = new HashMap<>(Map.of("origin.s3.bucket", "b"));
    m.putAll(extra);
    Settings settings = Settings.of(m);
    OriginConfig config = OriginConfig.from(settings);
    settings.finish();
    return config;
  }

  @Test
  void presetFormats_onlyFormatsKeys_defaultPresetsKeptAndOneNegotiates() {
    OriginConfig config = parse(Map.of("origin.preset.w600.formats", "avif, webp"));
    assertThat(config.presets()).containsOnlyKeys("w150", "w600", "w1200", "sq240");
    assertThat(config.presets().get("w600").canonical())
        .isEqualTo("w=600,fit=inside,f=avif:webp:jpeg,q=82");
    assertThat(config.presets().get("w150").negotiates()).isFalse();
    assertThat(config.refuseUnwritableFormat()).isFalse();
  }

  @Test
  void presetFormats_withOwnPresetsAndRefuse() {
    OriginConfig config =
        parse(
            Map.of(
                "origin.preset.p",
                "w=300,f=png",
                "origin.preset.p.formats",
                "webp",
                "origin.unwritable-format",
                "refuse"));
    assertThat(config.presets()).containsOnlyKeys("p");
    assertThat(config.presets().get("p").candidates())
        .containsExactly(OutputFormat.WEBP, OutputFormat.PNG);
    assertThat(config.refuseUnwritableFormat()).isTrue();
  }

  @Test
  void presetFormats_badValues_everyProblemNamed() {
    assertThatThrownBy(
            () ->
                parse(
                    Map.of(
                        "origin.preset.p",
                        "w=300,f=webp",
                        "origin.preset.p.formats",
                        "webp",
                        "origin.preset.nope.formats",
                        "avif",
                        "origin.preset.q",
                        "w=10",
                        "origin.preset.q.formats",
                        "png",
                        "origin.unwritable-format",
                        "maybe")))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(String.join("\n", e.problems()))
                    .contains(
                        "origin.preset.p.formats",
                        "with f=webp (expected: webp and/or avif, other than the default")
                    .contains("origin.preset.nope.formats", "no preset nope")
                    .contains("origin.preset.q.formats", "format 'png' in 'png'")
                    .contains(
                        "origin.unwritable-format", "'maybe' (expected: fallback or refuse)"));
  }
}
