package io.imgcdn.origin.processing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ExifOrientationTest {

  @ParameterizedTest
  @ValueSource(ints = {2, 3, 4, 5, 6, 7, 8})
  void of_exiftoolTaggedJpeg_readsTag(int n) {
    assertThat(ExifOrientation.of(RealImagesTest.resource("chelsea-orientation-" + n + ".jpg")))
        .isEqualTo(n);
  }

  @Test
  void of_noExifOrNotJpeg_normal() {
    assertThat(ExifOrientation.of(RealImagesTest.resource("rocket.jpg"))).isEqualTo(1);
    assertThat(ExifOrientation.of(RealImagesTest.resource("chelsea-16bit.png"))).isEqualTo(1);
    assertThat(ExifOrientation.of(new byte[0])).isEqualTo(1);
  }

  @Test
  void of_truncatedOrRandomBytes_neverThrowsAlwaysInRange() {
    byte[] tagged = RealImagesTest.resource("chelsea-orientation-6.jpg");
    for (int cut = 0; cut < 200; cut++) {
      assertThat(ExifOrientation.of(Arrays.copyOf(tagged, cut))).isBetween(1, 8);
    }
    Random random = new Random(1);
    for (int i = 0; i < 2000; i++) {
      byte[] mutated = Arrays.copyOf(tagged, 160);
      for (int j = 0; j < 4; j++) {
        mutated[2 + random.nextInt(158)] = (byte) random.nextInt();
      }
      assertThat(ExifOrientation.of(mutated)).isBetween(1, 8);
    }
  }

  @Test
  void swapsAxes_onlyFiveToEight() {
    assertThat(ExifOrientation.swapsAxes(4)).isFalse();
    assertThat(ExifOrientation.swapsAxes(5)).isTrue();
    assertThat(ExifOrientation.swapsAxes(8)).isTrue();
  }
}
