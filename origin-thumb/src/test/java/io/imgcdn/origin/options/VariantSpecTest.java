package io.imgcdn.origin.options;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

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
  @ValueSource(strings = {
      "h=240,w=240,fit=cover", "fit=COVER,w=240,h=240", "w=0240,h=240,fit=cover,f=jpg",
      "q=82,f=jpeg,fit=cover,h=240,w=240"})
  void canonical_differentSpellingsOfOneSpec_sameString(String options) {
    assertThat(VariantSpec.parse(options).canonical()).isEqualTo("w=240,h=240,fit=cover,f=jpeg,q=82");
  }

  @ParameterizedTest
  @ValueSource(strings = {"w=1", "h=16384", "w=10,h=20,f=png,q=1", "w=300,h=200,fit=cover,f=webp,q=100"})
  void parse_ofCanonical_roundTrips(String options) {
    VariantSpec spec = VariantSpec.parse(options);
    assertThat(VariantSpec.parse(spec.canonical())).isEqualTo(spec);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "''|options: empty",
      "w=abc|w: 'abc' (expected: an integer 0..16384)",
      "w=-5|w: '-5'",
      "w=+5|w: '+5'",
      "w=99999999999|w: '99999999999'",
      "w=16385|w: '16385' (expected: an integer 0..16384)",
      "q=0,w=5|q: '0' (expected: an integer 1..100)",
      "w=5,f=gif|format: 'gif' (expected: jpeg, jpg, png or webp)",
      "w=5,fit=fill|fit: 'fill' (expected: inside or cover)",
      "w=5,x=1|unknown key 'x'",
      "w=5,w=6|key 'w' repeated",
      "w=5,,h=4|options: '' in 'w=5,,h=4'",
      "w5|options: 'w5'",
      "f=png|w and h are both 0",
      "w=0,h=0|w and h are both 0",
      "w=100,fit=cover|fit=cover with w=100, h=0 (expected: both w and h > 0)"})
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

  @Test
  void withFormat_changesOnlyFormat() {
    VariantSpec spec = VariantSpec.ofWidth(600).withFormat(OutputFormat.WEBP);
    assertThat(spec.canonical()).isEqualTo("w=600,fit=inside,f=webp,q=82");
  }
}
