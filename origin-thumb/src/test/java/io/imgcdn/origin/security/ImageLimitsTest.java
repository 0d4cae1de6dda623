package io.imgcdn.origin.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ImageLimitsTest {

  @Test
  void defaults_documentedValues() {
    assertThat(ImageLimits.defaults())
        .isEqualTo(new ImageLimits(32L << 20, 50_000_000L, 8192, 256));
  }

  @Test
  void checkSourceHeader_bombDimensions_refusedWithValueAndLimit() {
    assertThatThrownBy(() -> ImageLimits.defaults().checkSourceHeader(30_000, 30_000, 1))
        .isInstanceOf(LimitExceededException.class)
        .hasMessage("Source is 30000x30000 = 900000000 pixels (limit: 50000000)");
  }

  @Test
  void checkSourceHeader_noIntOverflow() {
    assertThatThrownBy(() -> ImageLimits.defaults().checkSourceHeader(Integer.MAX_VALUE, 3, 1))
        .isInstanceOf(LimitExceededException.class);
  }

  @Test
  void checks_atTheLimit_pass() {
    ImageLimits limits = new ImageLimits(100, 100, 10, 2);
    assertThatCode(
            () -> {
              limits.checkSourceBytes(100);
              limits.checkSourceHeader(10, 10, 2);
              limits.checkOutput(10, 10);
            })
        .doesNotThrowAnyException();
    assertThatThrownBy(() -> limits.checkSourceBytes(101)).hasMessageContaining("limit: 100");
    assertThatThrownBy(() -> limits.checkSourceHeader(10, 10, 3))
        .hasMessage("Source has 3 frames (limit: 2)");
    assertThatThrownBy(() -> limits.checkOutput(11, 0)).hasMessageContaining("exceeds 10");
  }

  @Test
  void constructor_nonPositive_throwsNamingField() {
    assertThatThrownBy(() -> new ImageLimits(1, 0, 1, 1))
        .hasMessage("maxSourcePixels: 0 (expected: > 0)");
  }
}
