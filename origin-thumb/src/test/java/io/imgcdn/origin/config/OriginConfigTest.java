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
    assertThat(config.presets()).containsOnlyKeys("p", "w150", "w600", "w1200", "sq240");
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

  @Test
  void presets_ownPresetAdded_defaultsStayAndKeepTheirFormats() {
    // The case: adding w600b beside an existing w600.formats must not drop w600.
    OriginConfig config =
        parse(Map.of("origin.preset.w600b", "w=600,q=70", "origin.preset.w600.formats", "webp"));
    assertThat(config.presets()).containsOnlyKeys("w150", "w600", "w600b", "w1200", "sq240");
    assertThat(config.presets().get("w600").canonical())
        .isEqualTo("w=600,fit=inside,f=webp:jpeg,q=82");
    assertThat(config.presets().get("w600b").canonical()).isEqualTo("w=600,fit=inside,f=jpeg,q=70");
  }

  @Test
  void presets_ownPresetRedefinesADefault() {
    OriginConfig config = parse(Map.of("origin.preset.w150", "w=150,q=60"));
    assertThat(config.presets().get("w150").quality()).isEqualTo(60);
    assertThat(config.presets()).hasSize(4);
  }

  @Test
  void presets_defaultsOff_onlyOwnPresets() {
    OriginConfig config =
        parse(Map.of("origin.preset.defaults", "false", "origin.preset.p", "w=300"));
    assertThat(config.presets()).containsOnlyKeys("p");
  }

  @Test
  void presets_defaultsOffButConfigured_errorNamesThePresetAndWhy() {
    assertThatThrownBy(
            () ->
                parse(
                    Map.of(
                        "origin.preset.defaults",
                        "false",
                        "origin.preset.p",
                        "w=300",
                        "origin.preset.w600.formats",
                        "webp")))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(String.join("\n", e.problems()))
                    .contains(
                        "origin.preset.w600.formats",
                        "no preset w600 (a default preset, switched off by"
                            + " origin.preset.defaults=false); presets: p"));
  }

  @Test
  void presets_defaultsOffAndNoneSet_refused() {
    assertThatThrownBy(() -> parse(Map.of("origin.preset.defaults", "false")))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(String.join("\n", e.problems()))
                    .contains("origin.preset.defaults", "expected: at least one preset"));
  }

  @Test
  void presets_backgroundInThePresetsOptions() {
    OriginConfig config = parse(Map.of("origin.preset.logo", "w=300,bg=000000"));
    assertThat(config.presets().get("logo").background()).isZero();
    assertThat(config.presets().get("w150").background()).isEqualTo(0xFFFFFF);
  }
}
