package io.imgcdn.origin.options;

import java.util.Locale;

/** The encoded format of a thumbnail. */
public enum OutputFormat {
  JPEG("image/jpeg", "jpeg"),
  PNG("image/png", "png"),
  WEBP("image/webp", "webp");

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
   * Parses {@code jpeg} (or {@code jpg}), {@code png} or {@code webp}, case-insensitive.
   *
   * @throws IllegalArgumentException naming the value and what is expected
   */
  public static OutputFormat parse(String s) {
    String lower = s == null ? "" : s.toLowerCase(Locale.ROOT);
    return switch (lower) {
      case "jpeg", "jpg" -> JPEG;
      case "png" -> PNG;
      case "webp" -> WEBP;
      default -> throw new IllegalArgumentException(
          "format: '" + s + "' (expected: jpeg, jpg, png or webp)");
    };
  }
}
