package io.imgcdn.origin.options;

import java.util.Locale;

/** The encoded format of a thumbnail. */
public enum OutputFormat {
  JPEG("image/jpeg", "jpeg"),
  PNG("image/png", "png"),
  WEBP("image/webp", "webp"),
  /**
   * AV1 in HEIF (libvips heifsave with compression=av1): the smallest files, the slowest encoder.
   */
  AVIF("image/avif", "avif"),
  GIF("image/gif", "gif"),
  /**
   * JPEG XL (libvips jxlsave through libjxl): named explicitly only ({@code f=jxl}, e.g. for a
   * {@code <picture><source type="image/jxl">}); not negotiated from Accept, whose classes every
   * tier keys on name WebP and AVIF only.
   */
  JXL("image/jxl", "jxl");

  private final String contentType;
  private final String token;

  OutputFormat(String contentType, String token) {
    this.contentType = contentType;
    this.token = token;
  }

  /** The media type for the Content-Type header, e.g. {@code image/jpeg}. */
  public String contentType() {
    return contentType;
  }

  /** The canonical lower-case name used in options strings ({@code f=jpeg}) and file suffixes. */
  public String token() {
    return token;
  }

  /**
   * Whether a browser announces support in its {@code Accept} header, so the origin may choose it
   * by negotiation (the rest every browser decodes).
   */
  public boolean negotiable() {
    return this == WEBP || this == AVIF;
  }

  /** Whether the format can carry an animation that browsers play (animated WebP, GIF). */
  public boolean animates() {
    return this == WEBP || this == GIF;
  }

  /**
   * Parses {@code jpeg} (or {@code jpg}), {@code png}, {@code webp}, {@code avif}, {@code gif} or
   * {@code jxl}, case-insensitive.
   *
   * @throws IllegalArgumentException naming the value and what is expected
   */
  public static OutputFormat parse(String s) {
    String lower = s == null ? "" : s.toLowerCase(Locale.ROOT);
    return switch (lower) {
      case "jpeg", "jpg" -> JPEG;
      case "png" -> PNG;
      case "webp" -> WEBP;
      case "avif" -> AVIF;
      case "gif" -> GIF;
      case "jxl" -> JXL;
      default ->
          throw new IllegalArgumentException(
              "format: '" + s + "' (expected: jpeg, jpg, png, webp, avif, gif or jxl)");
    };
  }
}
