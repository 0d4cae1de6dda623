package io.imgcdn.origin.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The encoder against values derived by hand from the algorithm description (woltapp/blurhash
 * Algorithm.md) and against what a decoder reads back from its strings.
 */
class BlurHashTest {

  private static int[] solid(int w, int h, int rgb) {
    int[] p = new int[w * h];
    Arrays.fill(p, rgb);
    return p;
  }

  @Test
  void solidWhite32x24_4x3_handDerivedString() {
    /*
     * The basis is cos(pi*i*x/w) for x = 0..w-1 (no half-pixel shift), whose sum over a row is w
     * for i = 0, 1 for odd i and 0 for even i > 0. So a solid white (linear 1) 32x24 picture has
     * component (i, j) = 2/(32*24) * Sx(i) * Sy(j): (1,0) = (3,0) = 2/32 = 0.0625, (0,1) = 2/24 =
     * 0.0833, (1,1) = (3,1) = 2/768 = 0.0026, the rest 0.
     * Size flag (4-1)+(3-1)*9 = 21 = 'L'. Largest AC 0.0833: floor(0.0833*166 - 0.5) = 13 = 'D',
     * so the scale is 14/166 = 0.0843. DC 0xFFFFFF = 29,28,30,10 in base 83 = "TSUA".
     * AC quantised floor(sqrt(v/0.0843)*9 + 9.5) per channel, r*361 + g*19 + b in 2 digits:
     * 0.0625 -> 17 -> 6477 = "_3"; 0.0833 -> 18 -> 6858 = "~q"; 0.0026 -> 11 -> 4191 = "of";
     * 0 -> 9 -> 3429 = "fQ". Order: j outer, i inner, (0,0) excluded.
     */
    assertThat(BlurHash.encode(solid(32, 24, 0xFFFFFF), 32, 24, 4, 3))
        .isEqualTo("LDTSUA" + "_3" + "fQ" + "_3" + "~q" + "of" + "fQ" + "of" + "fQfQfQfQ");
  }

  @Test
  void solidBlack1x1_onlyTheDc() {
    // One component: size flag 0, maximum digit 0, DC 0 = "0000".
    assertThat(BlurHash.encode(solid(5, 5, 0x000000), 5, 5, 1, 1)).isEqualTo("000000");
  }

  @Test
  void length_isFourPlusTwoPerComponent_andSizeFlagNamesTheComponents() {
    int[] noise = new int[40 * 30];
    for (int k = 0; k < noise.length; k++) {
      noise[k] = (int) ((k * 2654435761L) & 0xFFFFFF);
    }
    for (int cx = 1; cx <= 9; cx++) {
      for (int cy = 1; cy <= 9; cy += 4) {
        String hash = BlurHash.encode(noise, 40, 30, cx, cy);
        assertThat(hash).hasSize(4 + 2 * cx * cy);
        int flag = BlurHash.decode83(hash.substring(0, 1));
        assertThat(flag % 9 + 1).isEqualTo(cx);
        assertThat(flag / 9 + 1).isEqualTo(cy);
      }
    }
  }

  @Test
  void dc_isTheAverageColourInLinearLight() {
    // Half pure red, half pure blue: linear mean 0.5 on R and B, 0 on G; 0.5 linear is sRGB
    // 188 (1.055 * 0.5^(1/2.4) - 0.055 = 0.7354, * 255 = 187.5, + 0.5 truncated).
    int w = 16;
    int h = 8;
    int[] p = new int[w * h];
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        p[y * w + x] = x < w / 2 ? 0xFF0000 : 0x0000FF;
      }
    }
    String hash = BlurHash.encode(p, w, h, 4, 3);
    int dc = BlurHash.decode83(hash.substring(2, 6));
    assertThat(dc >> 16).isEqualTo(188);
    assertThat((dc >> 8) & 0xFF).isZero();
    assertThat(dc & 0xFF).isEqualTo(188);
    // A left/right split is all in the first horizontal component: (1,0) carries red minus blue
    // at the full scale, and the vertical components carry nothing (quantised 9 = zero).
    int maxQuantised = BlurHash.decode83(hash.substring(1, 2));
    assertThat(maxQuantised).isPositive();
    int ac10 = BlurHash.decode83(hash.substring(6, 8));
    assertThat(ac10 / 361).as("red of (1,0): positive, the largest").isEqualTo(18);
    assertThat(ac10 % 19).as("blue of (1,0): negative, the largest").isZero();
    assertThat((ac10 / 19) % 19).as("green of (1,0)").isEqualTo(9);
    // (0,2): an even vertical cosine sums to 0 down every column of a picture that is the same
    // all the way down.
    int ac02 = BlurHash.decode83(hash.substring(6 + 2 * 7, 8 + 2 * 7));
    assertThat(ac02).as("(0,2) quantises to zero").isEqualTo(9 * 361 + 9 * 19 + 9);
  }

  @Test
  void badComponents_refusedNamingThem() {
    assertThatThrownBy(() -> BlurHash.encode(solid(2, 2, 0), 2, 2, 10, 3))
        .hasMessageContaining("10x3");
    assertThatThrownBy(() -> BlurHash.encode(solid(2, 2, 0), 3, 2, 4, 3))
        .hasMessageContaining("3x2");
  }
}
