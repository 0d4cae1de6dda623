package io.imgcdn.origin.processing;

/**
 * The BlurHash of an image (https://github.com/woltapp/blurhash, Algorithm.md): a short base-83
 * string of a few DCT-like cosine components of the picture in linear light, which clients such as
 * Mastodon draw, blurred, while the picture loads.
 *
 * <p>Layout of the string: 1 character for the component counts ({@code (cx-1) + (cy-1)*9}), 1 for
 * the quantised largest AC value, 4 for the DC (average) colour as 24-bit sRGB, then 2 per AC
 * component; {@code 4 + 2*cx*cy} characters in all.
 */
public final class BlurHash {
  /*
   * Written from the algorithm description, not from a reference implementation: pixels are
   * converted from sRGB to linear light, each component (i, j) is the mean of pixel * cos(pi*i*x/w)
   * * cos(pi*j*y/h) (times 2 for the AC ones), the DC is written back in sRGB, the AC ones are
   * scaled by the largest of them, square-rooted with their sign and quantised to 19 levels.
   * Rounding follows the reference encoders (C: a float cast to int after + 0.5), so that equal
   * pixels give equal strings here and there.
   */

  private static final String DIGITS =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";

  private static final double[] SRGB_TO_LINEAR = new double[256];

  static {
    for (int i = 0; i < 256; i++) {
      double v = i / 255.0;
      SRGB_TO_LINEAR[i] = v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    }
  }

  private BlurHash() {}

  /**
   * Encodes {@code width*height} pixels given as {@code 0xRRGGBB} sRGB values (alpha bits are
   * ignored: flatten first), row by row.
   *
   * @param componentsX cosine components across, 1..9 (4 is usual)
   * @param componentsY cosine components down, 1..9 (3 is usual)
   */
  public static String encode(int[] rgb, int width, int height, int componentsX, int componentsY) {
    if (componentsX < 1 || componentsX > 9 || componentsY < 1 || componentsY > 9) {
      throw new IllegalArgumentException(
          "components: " + componentsX + "x" + componentsY + " (expected: 1..9 each)");
    }
    if (width <= 0 || height <= 0 || rgb.length < width * height) {
      throw new IllegalArgumentException(
          "pixels: " + rgb.length + " for " + width + "x" + height + " (expected: w*h, both > 0)");
    }
    double[][] factors = new double[componentsX * componentsY][];
    for (int j = 0; j < componentsY; j++) {
      for (int i = 0; i < componentsX; i++) {
        factors[j * componentsX + i] = component(rgb, width, height, i, j);
      }
    }
    StringBuilder hash = new StringBuilder(4 + 2 * factors.length);
    base83(hash, (componentsX - 1) + (componentsY - 1) * 9, 1);
    double maximum = 1;
    if (factors.length > 1) {
      double actualMaximum = 0;
      for (int k = 1; k < factors.length; k++) {
        for (double c : factors[k]) {
          actualMaximum = Math.max(actualMaximum, Math.abs(c));
        }
      }
      int quantised = (int) Math.max(0, Math.min(82, Math.floor(actualMaximum * 166 - 0.5)));
      maximum = (quantised + 1) / 166.0;
      base83(hash, quantised, 1);
    } else {
      base83(hash, 0, 1);
    }
    double[] dc = factors[0];
    base83(hash, (linearToSrgb(dc[0]) << 16) | (linearToSrgb(dc[1]) << 8) | linearToSrgb(dc[2]), 4);
    for (int k = 1; k < factors.length; k++) {
      double[] ac = factors[k];
      base83(
          hash,
          quantiseAc(ac[0], maximum) * 19 * 19
              + quantiseAc(ac[1], maximum) * 19
              + quantiseAc(ac[2], maximum),
          2);
    }
    return hash.toString();
  }

  /** Component (i, j) as linear {r, g, b}. */
  private static double[] component(int[] rgb, int width, int height, int i, int j) {
    double r = 0;
    double g = 0;
    double b = 0;
    double[] cosX = new double[width];
    for (int x = 0; x < width; x++) {
      cosX[x] = Math.cos(Math.PI * i * x / width);
    }
    for (int y = 0; y < height; y++) {
      double cosY = Math.cos(Math.PI * j * y / height);
      for (int x = 0; x < width; x++) {
        double basis = cosX[x] * cosY;
        int p = rgb[y * width + x];
        r += basis * SRGB_TO_LINEAR[(p >> 16) & 0xFF];
        g += basis * SRGB_TO_LINEAR[(p >> 8) & 0xFF];
        b += basis * SRGB_TO_LINEAR[p & 0xFF];
      }
    }
    double scale = (i == 0 && j == 0 ? 1.0 : 2.0) / (width * height);
    return new double[] {r * scale, g * scale, b * scale};
  }

  private static int quantiseAc(double value, double maximum) {
    double v = value / maximum;
    double root = Math.signum(v) * Math.sqrt(Math.abs(v));
    return (int) Math.max(0, Math.min(18, Math.floor(root * 9 + 9.5)));
  }

  static int linearToSrgb(double value) {
    double v = Math.max(0, Math.min(1, value));
    return v <= 0.0031308
        ? (int) (v * 12.92 * 255 + 0.5)
        : (int) ((1.055 * Math.pow(v, 1 / 2.4) - 0.055) * 255 + 0.5);
  }

  private static void base83(StringBuilder out, int value, int length) {
    int divisor = 1;
    for (int k = 1; k < length; k++) {
      divisor *= 83;
    }
    for (int k = 0; k < length; k++) {
      out.append(DIGITS.charAt((value / divisor) % 83));
      divisor /= 83;
    }
  }

  /** The value of base-83 {@code digits} (for tests and clients of this class that read hashes). */
  static int decode83(String digits) {
    int value = 0;
    for (int k = 0; k < digits.length(); k++) {
      int d = DIGITS.indexOf(digits.charAt(k));
      if (d < 0) {
        throw new IllegalArgumentException("not a base-83 digit: " + digits.charAt(k));
      }
      value = value * 83 + d;
    }
    return value;
  }
}
