package io.imgcdn.origin.options;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.common.http.AcceptClass;
import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class VariantSpecTest {

  @Test
  void parse_widthOnly_defaultsInsideJpeg82() {
    VariantSpec spec = VariantSpec.parse("w=150");
    assertThat(spec).isEqualTo(new VariantSpec(150, 0, Fit.INSIDE, OutputFormat.JPEG, 82));
    assertThat(spec.canonical()).isEqualTo("w=150,fit=inside,f=jpeg,q=82");
  }

  @Test
  void parse_cover_canonicalListsEveryField() {
    VariantSpec spec = VariantSpec.parse("w=240,h=240,fit=cover");
    assertThat(spec.canonical()).isEqualTo("w=240,h=240,fit=cover,f=jpeg,q=82");
  }

  @Test
  void parse_pngWithQuality_keepsQuality() {
    VariantSpec spec = VariantSpec.parse("w=600,q=80,f=png");
    assertThat(spec).isEqualTo(new VariantSpec(600, 0, Fit.INSIDE, OutputFormat.PNG, 80));
    assertThat(spec.canonical()).isEqualTo("w=600,fit=inside,f=png,q=80");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "h=240,w=240,fit=cover",
        "fit=COVER,w=240,h=240",
        "w=0240,h=240,fit=cover,f=jpg",
        "q=82,f=jpeg,fit=cover,h=240,w=240"
      })
  void canonical_differentSpellingsOfOneSpec_sameString(String options) {
    assertThat(VariantSpec.parse(options).canonical())
        .isEqualTo("w=240,h=240,fit=cover,f=jpeg,q=82");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"w=1", "h=16384", "w=10,h=20,f=png,q=1", "w=300,h=200,fit=cover,f=webp,q=100"})
  void parse_ofCanonical_roundTrips(String options) {
    VariantSpec spec = VariantSpec.parse(options);
    assertThat(VariantSpec.parse(spec.canonical())).isEqualTo(spec);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "''|options: empty",
        "w=abc|w: 'abc' (expected: an integer 0..16384)",
        "w=-5|w: '-5'",
        "w=+5|w: '+5'",
        "w=99999999999|w: '99999999999'",
        "w=16385|w: '16385' (expected: an integer 0..16384)",
        "q=0,w=5|q: '0' (expected: an integer 1..100)",
        "w=5,f=bmp|format: 'bmp' (expected: jpeg, jpg, png, webp, avif or gif)",
        "w=5,f=png:jpeg|f: 'png:jpeg' (expected: one format, or webp and/or avif",
        "w=5,f=webp:webp:jpeg|f: 'webp:webp:jpeg'",
        "w=5,f=webp:webp|alternatives: [WEBP] with f=webp",
        "w=5,f=:jpeg|format: ''",
        "w=5,fit=fill|fit: 'fill' (expected: inside or cover)",
        "w=5,x=1|unknown key 'x'",
        "w=5,w=6|key 'w' repeated",
        "w=5,,h=4|options: '' in 'w=5,,h=4'",
        "w5|options: 'w5'",
        "f=png|w and h are both 0",
        "w=0,h=0|w and h are both 0",
        "w=100,fit=cover|fit=cover with w=100, h=0 (expected: both w and h > 0)"
      })
  void parse_badPart_namesItAndExpectation(String options, String message) {
    assertThatThrownBy(() -> VariantSpec.parse(options))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }

  @Test
  void constructor_qualityOutOfRange_throws() {
    assertThatThrownBy(() -> new VariantSpec(10, 0, Fit.INSIDE, OutputFormat.JPEG, 101))
        .hasMessage("q: 101 (expected: 1..100)");
  }

  @Test
  void outputFormat_parse_contentTypes() {
    assertThat(OutputFormat.parse("JPG").contentType()).isEqualTo("image/jpeg");
    assertThat(OutputFormat.parse("png").contentType()).isEqualTo("image/png");
    assertThat(OutputFormat.parse("WebP").contentType()).isEqualTo("image/webp");
    assertThatThrownBy(() -> OutputFormat.parse(null)).hasMessageContaining("expected: jpeg");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "w=600,f=auto|w=600,fit=inside,f=webp:jpeg,q=82",
        "w=600,f=webp:jpg|w=600,fit=inside,f=webp:jpeg,q=82",
        "w=600,f=webp:avif:png|w=600,fit=inside,f=avif:webp:png,q=82",
        "w=600,f=AVIF:jpeg|w=600,fit=inside,f=avif:jpeg,q=82",
        "w=600,f=avif:gif|w=600,fit=inside,f=avif:gif,q=82"
      })
  void parse_negotiationList_canonicalAvifWebpThenDefault(String options, String canonical) {
    VariantSpec spec = VariantSpec.parse(options);
    assertThat(spec.negotiates()).isTrue();
    assertThat(spec.canonical()).isEqualTo(canonical);
    assertThat(VariantSpec.parse(spec.canonical())).isEqualTo(spec);
    assertThat(spec.candidates().getLast()).isEqualTo(spec.format());
  }

  @Test
  void forAccept_keepsAcceptedAndWritableAlternativesOnly() {
    VariantSpec spec = VariantSpec.parse("w=600,f=avif:webp:jpeg");
    Set<OutputFormat> all = EnumSet.allOf(OutputFormat.class);
    assertThat(spec.forAccept(AcceptClass.PLAIN, all).formats()).isEqualTo("jpeg");
    assertThat(spec.forAccept(AcceptClass.PLAIN, all).negotiates()).isFalse();
    assertThat(spec.forAccept(AcceptClass.WEBP, all).formats()).isEqualTo("webp:jpeg");
    assertThat(spec.forAccept(AcceptClass.AVIF, all).formats()).isEqualTo("avif:jpeg");
    assertThat(spec.forAccept(AcceptClass.AVIF_WEBP, all)).isSameAs(spec);
    assertThat(
            spec.forAccept(AcceptClass.AVIF_WEBP, EnumSet.of(OutputFormat.JPEG, OutputFormat.WEBP))
                .formats())
        .isEqualTo("webp:jpeg");
    // A webp-only preset answers WEBP and AVIF_WEBP clients alike: one representation, one resize.
    VariantSpec webpOnly = VariantSpec.parse("w=600,f=auto");
    assertThat(webpOnly.forAccept(AcceptClass.AVIF_WEBP, all))
        .isEqualTo(webpOnly.forAccept(AcceptClass.WEBP, all));
    assertThat(webpOnly.forAccept(AcceptClass.AVIF, all).candidates())
        .containsExactly(OutputFormat.JPEG);
  }

  @Test
  void parseFormatList_negotiableOnly() {
    assertThat(VariantSpec.parseFormatList(" avif, webp"))
        .containsExactlyInAnyOrder(OutputFormat.AVIF, OutputFormat.WEBP);
    assertThat(VariantSpec.parseFormatList("")).isEmpty();
    assertThatThrownBy(() -> VariantSpec.parseFormatList("webp,png"))
        .hasMessageContaining("format 'png' in 'webp,png' (expected: webp and/or avif");
  }

  @Test
  void withFormat_changesOnlyFormat() {
    VariantSpec spec = VariantSpec.ofWidth(600).withFormat(OutputFormat.WEBP);
    assertThat(spec.canonical()).isEqualTo("w=600,fit=inside,f=webp,q=82");
  }

  @Test
  void parse_bg_canonicalLowerCaseAndOnlyWhenNotWhite() {
    VariantSpec black = VariantSpec.parse("w=150,bg=00FF0a");
    assertThat(black.background()).isEqualTo(0x00FF0A);
    assertThat(black.canonical()).isEqualTo("w=150,fit=inside,f=jpeg,q=82,bg=00ff0a");
    assertThat(VariantSpec.parse(black.canonical())).isEqualTo(black);
    // White is the background every variant had before bg=: its key stays as it was.
    assertThat(VariantSpec.parse("w=150,bg=ffffff").canonical())
        .isEqualTo("w=150,fit=inside,f=jpeg,q=82");
    assertThat(VariantSpec.parse("w=150,bg=ffffff")).isEqualTo(VariantSpec.parse("w=150"));
    assertThat(black.withFormat(OutputFormat.PNG).background()).isEqualTo(0x00FF0A);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"w=1,bg=fff", "w=1,bg=0000000", "w=1,bg=#00000", "w=1,bg=gg0000", "w=1,bg="})
  void parse_badBg_namesTheColourForm(String options) {
    assertThatThrownBy(() -> VariantSpec.parse(options))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected: a colour as 6 hex digits RRGGBB");
  }

  @Test
  void parse_bgRepeated_refused() {
    assertThatThrownBy(() -> VariantSpec.parse("w=1,bg=000000,bg=000000"))
        .hasMessageContaining("repeated");
  }
}
