package io.imgcdn.origin.processing;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.origin.options.VariantSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GeometryTest {

  @ParameterizedTest(name = "{0}x{1} {2} -> {3}x{4}")
  @CsvSource(
      delimiter = '|',
      value = {
        // source    | options                | output
        "4000|3000|w=150                      |150|113",
        "3000|4000|w=150                      |150|200",
        "3000|4000|h=150                      |113|150",
        "4000|3000|w=600,h=600                |600|450",
        "4000|3000|w=240,h=240,fit=cover      |240|240",
        "100|50   |w=600                      |100|50", // never upscales
        "100|50   |w=240,h=240,fit=cover      |100|50", // box larger on both axes: the source
        "1000|50  |w=240,h=240,fit=cover      |240|50", // larger on one axis: crop the other
        "10000|1  |w=150                      |150|1", // at least one pixel
        "1|10000  |w=150,h=150,fit=cover      |1|150"
      })
  void of_spec_expectedOutputSize(int sw, int sh, String options, int w, int h) {
    Geometry g = Geometry.of(sw, sh, VariantSpec.parse(options.strip()));
    assertThat(g.width()).isEqualTo(w);
    assertThat(g.height()).isEqualTo(h);
    assertThat(g.scaledWidth()).isLessThanOrEqualTo(sw);
    assertThat(g.scaledHeight()).isLessThanOrEqualTo(sh);
  }

  @ParameterizedTest
  @CsvSource({"4000,3000", "3000,4000", "1234,567"})
  void of_cover_cropIsCentred(int sw, int sh) {
    Geometry g = Geometry.of(sw, sh, VariantSpec.parse("w=240,h=240,fit=cover"));
    assertThat(g.cropX() * 2)
        .isBetween(g.scaledWidth() - g.width() - 1, g.scaledWidth() - g.width());
    assertThat(g.cropY() * 2)
        .isBetween(g.scaledHeight() - g.height() - 1, g.scaledHeight() - g.height());
  }
}
