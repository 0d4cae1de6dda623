package io.imgcdn.origin.options;

import java.util.Locale;
import java.util.Objects;

/**
 * Which part of the picture a {@link Fit#COVER} crop keeps: a point ({@code g=} compass or {@code
 * fp=x:y}, the crop centred on it as far as the picture allows) or a content-aware choice ({@code
 * g=attention}, {@code g=entropy}: libvips's {@code interesting}).
 *
 * @param kind a point, or a content-aware choice
 * @param x the point's horizontal position in thousandths of the width, 0 (left) .. 1000 (right)
 * @param y the point's vertical position in thousandths of the height, 0 (top) .. 1000 (bottom)
 */
public record Gravity(Kind kind, int x, int y) {

  /*
   * Compass gravities are points (n = top centre, se = bottom right corner, ...), so one crop rule
   * serves them and fp=, and the canonical form spells a point that is a compass point as g=, so
   * fp=0.5:0 and g=n are one cache entry, not two. Content-aware kinds carry the centre as their
   * point (what an engine without them falls back to).
   *
   * fp uses ':' between x and y because ',' separates options. Fractions (imgproxy's and
   * Cloudflare's unit) with at most 3 decimals: finer than any thumbnail's pixel, and a bound on
   * the spellings a cache can be made to hold.
   */

  /** How the crop is chosen. */
  public enum Kind {
    /** Centred on the point (x, y), moved inwards where the crop would leave the picture. */
    POINT,
    /** libvips {@code interesting=attention}: skin tones, saturated colour and edges. */
    ATTENTION,
    /** libvips {@code interesting=entropy}: the busiest part of the picture. */
    ENTROPY
  }

  /** The default: the middle of the picture (what {@code fit=cover} always did). */
  public static final Gravity CENTRE = new Gravity(Kind.POINT, 500, 500);

  private static final String[] COMPASS = {"nw", "n", "ne", "w", "", "e", "sw", "s", "se"};

  /** Validates the point. */
  public Gravity {
    Objects.requireNonNull(kind, "kind");
    if (x < 0 || x > 1000 || y < 0 || y > 1000) {
      throw new IllegalArgumentException(
          "fp: " + x + "," + y + " thousandths (expected: each 0..1000)");
    }
    if (kind != Kind.POINT && (x != 500 || y != 500)) {
      throw new IllegalArgumentException("g: " + kind + " with a point (expected: the centre)");
    }
  }

  /** Whether this is the default centre crop. */
  public boolean centre() {
    return equals(CENTRE);
  }

  /**
   * Parses a {@code g=} value: {@code centre} ({@code center}), {@code n}, {@code s}, {@code e},
   * {@code w}, {@code ne}, {@code nw}, {@code se}, {@code sw}, {@code attention} or {@code entropy}
   * (case-insensitive).
   */
  public static Gravity parse(String value) {
    String v = value.toLowerCase(Locale.ROOT);
    if (v.equals("centre") || v.equals("center")) {
      return CENTRE;
    }
    if (v.equals("attention") || v.equals("entropy")) {
      return new Gravity(v.equals("attention") ? Kind.ATTENTION : Kind.ENTROPY, 500, 500);
    }
    for (int i = 0; i < COMPASS.length; i++) {
      if (!COMPASS[i].isEmpty() && COMPASS[i].equals(v)) {
        return new Gravity(Kind.POINT, (i % 3) * 500, (i / 3) * 500);
      }
    }
    throw new IllegalArgumentException(
        "g: '" + value + "' (expected: centre, n, s, e, w, ne, nw, se, sw, attention or entropy)");
  }

  /**
   * Parses an {@code fp=} value {@code x:y}, each a fraction 0..1 with at most 3 decimals (e.g.
   * {@code 0.3:0.25}): the point the crop is centred on, from the top left corner.
   */
  public static Gravity parseFocalPoint(String value) {
    int colon = value.indexOf(':');
    int x = colon < 0 ? -1 : thousandths(value.substring(0, colon));
    int y = colon < 0 ? -1 : thousandths(value.substring(colon + 1));
    if (x < 0 || y < 0) {
      throw new IllegalArgumentException(
          "fp: '"
              + value
              + "' (expected: x:y, each a fraction 0..1 with at most 3 decimals, e.g. 0.3:0.25)");
    }
    return new Gravity(Kind.POINT, x, y);
  }

  /** {@code 0}, {@code 1}, {@code 0.25}, {@code .5}, {@code 1.000} in thousandths; -1 if not. */
  private static int thousandths(String s) {
    int dot = s.indexOf('.');
    String whole = dot < 0 ? s : s.substring(0, dot);
    String fraction = dot < 0 ? "" : s.substring(dot + 1);
    if (!whole.equals("0") && !whole.equals("1") && !(whole.isEmpty() && dot >= 0)) {
      return -1;
    }
    if (dot >= 0 && (fraction.isEmpty() || fraction.length() > 3)) {
      return -1;
    }
    int n = whole.equals("1") ? 1000 : 0;
    for (int i = 0; i < 3; i++) {
      char c = i < fraction.length() ? fraction.charAt(i) : '0';
      if (c < '0' || c > '9') {
        return -1;
      }
      n += (c - '0') * (i == 0 ? 100 : i == 1 ? 10 : 1);
    }
    return n > 1000 ? -1 : n;
  }

  /**
   * The canonical option: empty for the centre, {@code g=ne}, {@code g=attention}, or {@code
   * fp=0.3:0.25} for a point that is not a compass point.
   */
  public String canonical() {
    if (kind != Kind.POINT) {
      return "g=" + kind.name().toLowerCase(Locale.ROOT);
    }
    if (x % 500 == 0 && y % 500 == 0) {
      String compass = COMPASS[(y / 500) * 3 + x / 500];
      return compass.isEmpty() ? "" : "g=" + compass;
    }
    return "fp=" + fraction(x) + ":" + fraction(y);
  }

  private static String fraction(int thousandths) {
    if (thousandths == 1000) {
      return "1";
    }
    if (thousandths == 0) {
      return "0";
    }
    String digits = String.format(Locale.ROOT, "%03d", thousandths).replaceAll("0+$", "");
    return "0." + digits;
  }

  /**
   * The offset of a crop of {@code cropSize} from a side of {@code scaledSize} pixels, centred on
   * the point {@code thousandths} along it and kept inside.
   */
  public static int offset(int scaledSize, int cropSize, int thousandths) {
    // floor, so the centre gives (scaledSize - cropSize) / 2 as before the gravity existed
    long centred = Math.floorDiv((long) scaledSize * thousandths - 500L * cropSize, 1000L);
    return Math.clamp(centred, 0, Math.max(0, scaledSize - cropSize));
  }
}
