package io.imgcdn.bench.workload;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A named variant of an original as the CDN serves it under {@code /v/{name}/{key}}: {@code w150}
 * scales to 150 pixels wide keeping the aspect ratio, {@code sq240} crops the centre square and
 * scales it to 240 x 240. {@link #ORIGINAL} stands for the original itself ({@code /{key}}).
 *
 * @param name the preset's name in URLs, or {@code "original"}
 * @param width target width in pixels (0 for the original)
 * @param square whether the variant is a centre-square crop
 */
public record Preset(String name, int width, boolean square) {

  private static final Pattern NAME = Pattern.compile("(w|sq)([1-9][0-9]{0,4})");

  /** The original object, served as {@code /{key}}. */
  public static final Preset ORIGINAL = new Preset("original", 0, false);

  /** The origin's default presets (docs/HTTP-API.md). */
  public static final List<Preset> DEFAULTS =
      List.of(of("w150"), of("sq240"), of("w600"), of("w1200"));

  public Preset {
    if (!name.equals("original") && !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "preset name: " + name + " (expected: original, w<width> or sq<side>)");
    }
  }

  /** Parses {@code original}, {@code w<width>} or {@code sq<side>}. */
  public static Preset of(String name) {
    if (name.equals("original")) {
      return ORIGINAL;
    }
    Matcher m = NAME.matcher(name);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "preset name: " + name + " (expected: original, w<width> or sq<side>)");
    }
    return new Preset(name, Integer.parseInt(m.group(2)), m.group(1).equals("sq"));
  }

  public boolean isOriginal() {
    return width == 0;
  }

  /** The URL path the CDN serves this preset of {@code key} under. */
  public String path(String key) {
    return isOriginal() ? "/" + key : "/v/" + name + "/" + key;
  }

  /** The variant's dimensions for an original of the given dimensions (never upscaled). */
  public ImageDims dimsFor(ImageDims original) {
    if (isOriginal()) {
      return original;
    }
    if (square) {
      int side = Math.min(width, Math.min(original.width(), original.height()));
      return new ImageDims(side, side);
    }
    if (width >= original.width()) {
      return original;
    }
    int h = (int) Math.max(1, Math.round((double) original.height() * width / original.width()));
    return new ImageDims(width, h);
  }
}
