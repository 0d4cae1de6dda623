package io.imgcdn.origin.options;

import java.util.Objects;

/**
 * A thumbnail request in canonical form. {@code width}/{@code height} 0 = unconstrained on that axis
 * (not both). Never upscales: a box larger than the source yields the source size.
 *
 * <p>Options strings are comma-separated {@code key=value} pairs in any order:
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>key</th><th>value</th><th>default</th></tr>
 *   <tr><td>{@code w}</td><td>box width, 0..{@value #MAX_DIMENSION} (0 = any)</td><td>0</td></tr>
 *   <tr><td>{@code h}</td><td>box height, 0..{@value #MAX_DIMENSION} (0 = any)</td><td>0</td></tr>
 *   <tr><td>{@code fit}</td><td>{@code inside} or {@code cover} (cover needs w and h)</td>
 *       <td>inside</td></tr>
 *   <tr><td>{@code f}</td><td>{@code jpeg} ({@code jpg}), {@code png}, {@code webp}</td><td>jpeg</td></tr>
 *   <tr><td>{@code q}</td><td>encoder quality 1..100 (used by JPEG and WebP)</td>
 *       <td>{@value #DEFAULT_QUALITY}</td></tr>
 * </table>
 */
public record VariantSpec(int width, int height, Fit fit, OutputFormat format, int quality) {

  /*
   * Canonical form: the cache key of a variant (edge, shard and origin all key on it), so equal
   * specs must give byte-equal strings whatever order or spelling the request used. It always
   * lists keys in the order w, h, fit, f, q, omits a 0 axis, and writes every other field, defaults
   * included, so that a later change of default cannot silently alias two different variants.
   * parse(spec.canonical()) equals spec.
   *
   * The parser is strict (unknown or repeated keys, signs, leading '+', more than 5 digits are
   * errors) because options strings are attacker-controlled and each accepted spelling is one more
   * cache entry; only the canonical form should circulate.
   */

  /** Largest accepted box side; the engine's {@code ImageLimits.maxOutputDimension} may be lower. */
  public static final int MAX_DIMENSION = 16_384;
  /** JPEG/WebP quality when the options do not name one (imgproxy's default is 80; libvips 75). */
  public static final int DEFAULT_QUALITY = 82;

  /** Validates every field; an invalid combination throws with the value and the expectation. */
  public VariantSpec {
    Objects.requireNonNull(fit, "fit");
    Objects.requireNonNull(format, "format");
    if (width < 0 || width > MAX_DIMENSION) {
      throw new IllegalArgumentException("w: " + width + " (expected: 0.." + MAX_DIMENSION + ")");
    }
    if (height < 0 || height > MAX_DIMENSION) {
      throw new IllegalArgumentException("h: " + height + " (expected: 0.." + MAX_DIMENSION + ")");
    }
    if (width == 0 && height == 0) {
      throw new IllegalArgumentException("w and h are both 0 (expected: at least one of w, h > 0)");
    }
    if (fit == Fit.COVER && (width == 0 || height == 0)) {
      throw new IllegalArgumentException(
          "fit=cover with w=" + width + ", h=" + height + " (expected: both w and h > 0)");
    }
    if (quality < 1 || quality > 100) {
      throw new IllegalArgumentException("q: " + quality + " (expected: 1..100)");
    }
  }

  /** A width-bounded JPEG at the default quality, e.g. for a preset {@code w150}. */
  public static VariantSpec ofWidth(int width) {
    return new VariantSpec(width, 0, Fit.INSIDE, OutputFormat.JPEG, DEFAULT_QUALITY);
  }

  /** The same spec with another output format (e.g. after Accept-based negotiation). */
  public VariantSpec withFormat(OutputFormat newFormat) {
    return new VariantSpec(width, height, fit, newFormat, quality);
  }

  /**
   * Parses an options string such as {@code "w=150"}, {@code "w=240,h=240,fit=cover"} or {@code
   * "w=600,q=80,f=png"}.
   *
   * @throws IllegalArgumentException naming the bad part and what is expected
   */
  public static VariantSpec parse(String options) {
    if (options == null || options.isEmpty()) {
      throw new IllegalArgumentException(
          "options: empty (expected: comma-separated key=value, e.g. w=150 or w=240,h=240,fit=cover)");
    }
    int width = -1;
    int height = -1;
    Fit fit = null;
    OutputFormat format = null;
    int quality = -1;
    for (String part : options.split(",", -1)) {
      int eq = part.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "options: '" + part + "' in '" + options + "' (expected: key=value with key w, h, fit, f or q)");
      }
      String key = part.substring(0, eq);
      String value = part.substring(eq + 1);
      switch (key) {
        case "w" -> {
          requireFirst(width < 0, key, options);
          width = parseInt(key, value, 0, MAX_DIMENSION);
        }
        case "h" -> {
          requireFirst(height < 0, key, options);
          height = parseInt(key, value, 0, MAX_DIMENSION);
        }
        case "fit" -> {
          requireFirst(fit == null, key, options);
          fit = Fit.parse(value);
        }
        case "f" -> {
          requireFirst(format == null, key, options);
          format = OutputFormat.parse(value);
        }
        case "q" -> {
          requireFirst(quality < 0, key, options);
          quality = parseInt(key, value, 1, 100);
        }
        default -> throw new IllegalArgumentException(
            "options: unknown key '" + key + "' in '" + options + "' (expected: w, h, fit, f or q)");
      }
    }
    return new VariantSpec(
        Math.max(width, 0),
        Math.max(height, 0),
        fit == null ? Fit.INSIDE : fit,
        format == null ? OutputFormat.JPEG : format,
        quality < 0 ? DEFAULT_QUALITY : quality);
  }

  /** A stable form, e.g. {@code w=240,h=240,fit=cover,f=jpeg,q=82}: same spec, same string. */
  public String canonical() {
    StringBuilder sb = new StringBuilder(40);
    if (width > 0) {
      sb.append("w=").append(width).append(',');
    }
    if (height > 0) {
      sb.append("h=").append(height).append(',');
    }
    return sb.append("fit=").append(fit.token())
        .append(",f=").append(format.token())
        .append(",q=").append(quality)
        .toString();
  }

  private static void requireFirst(boolean first, String key, String options) {
    if (!first) {
      throw new IllegalArgumentException(
          "options: key '" + key + "' repeated in '" + options + "' (expected: each key at most once)");
    }
  }

  private static int parseInt(String key, String value, int min, int max) {
    boolean digits = !value.isEmpty() && value.length() <= 5;
    for (int i = 0; digits && i < value.length(); i++) {
      char c = value.charAt(i);
      digits = c >= '0' && c <= '9';
    }
    int n = digits ? Integer.parseInt(value) : -1;
    if (!digits || n < min || n > max) {
      throw new IllegalArgumentException(
          key + ": '" + value + "' (expected: an integer " + min + ".." + max + ")");
    }
    return n;
  }
}
