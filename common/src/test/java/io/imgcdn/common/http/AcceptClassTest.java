package io.imgcdn.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class AcceptClassTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      nullValues = "NULL",
      value = {
        // Chrome 120 for an <img>
        "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8 | AVIF_WEBP",
        // Firefox 120
        "image/avif,image/webp,*/* | AVIF_WEBP",
        // Safari 16: WebP only by name
        "image/webp,image/avif,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5 |"
            + " AVIF_WEBP",
        "image/webp,*/* | WEBP",
        // old Safari: image/* promises nothing
        "image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5 | PLAIN",
        "*/* | PLAIN",
        "NULL | PLAIN",
        "'' | PLAIN",
        "' IMAGE/WebP ; q=0.5 , image/avif;q=0' | WEBP",
        "image/avif;q=0.000 | PLAIN",
        "image/avif; foo=bar; q=1.0 | AVIF",
        "image/avif;level=1 | AVIF",
        "image/webpx,ximage/webp,image/web | PLAIN",
        "';;;,,,=q;q=,image/webp;q=' | PLAIN",
      })
  void of_browserHeaders_reducedToTheirClass(String accept, AcceptClass expected) {
    assertThat(AcceptClass.of(accept)).isEqualTo(expected);
  }

  @ParameterizedTest
  @EnumSource(AcceptClass.class)
  void of_canonicalAccept_mapsBackToTheSameClass(AcceptClass c) {
    assertThat(AcceptClass.of(c.canonicalAccept())).isEqualTo(c);
  }

  @Test
  void key_differentClasses_differentKeysNeverThePlainOne() {
    assertThat(AcceptClass.WEBP.key("/v/w150/a.jpg"))
        .isNotEqualTo(AcceptClass.AVIF.key("/v/w150/a.jpg"))
        .isNotEqualTo("/v/w150/a.jpg");
    assertThat(AcceptClass.PLAIN.key("/v/w150/a.jpg")).isNotEqualTo("/v/w150/a.jpg");
  }
}
