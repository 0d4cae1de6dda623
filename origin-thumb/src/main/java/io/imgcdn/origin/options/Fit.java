package io.imgcdn.origin.options;

/** How a thumbnail fills the box {@code width x height} of a {@link VariantSpec}. */
public enum Fit {
  /** Scale to fit within the box, keeping the aspect ratio; one side may come out shorter. */
  INSIDE,
  /** Scale to fill the box, keeping the aspect ratio, then crop the overflow around the centre. */
  COVER;

  /** The lower-case name used in options strings ({@code fit=cover}). */
  public String token() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * Parses {@code inside} or {@code cover} (case-insensitive).
   *
   * @throws IllegalArgumentException naming the value and what is expected
   */
  public static Fit parse(String s) {
    for (Fit fit : values()) {
      if (fit.token().equalsIgnoreCase(s)) {
        return fit;
      }
    }
    throw new IllegalArgumentException("fit: '" + s + "' (expected: inside or cover)");
  }
}
