package io.imgcdn.hashring;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How a {@link NodeLocator} places nodes and keys; chosen by configuration. */
public enum Placement {

  /**
   * A ketama-style ring (Karger et al. 1997): 160 points per unit of weight, each point at
   * {@code xxHash64(id, seed = i)}; a key belongs to the first point at or after its hash.
   */
  KETAMA;

  /**
   * The placement named {@code s}, case-insensitively, ignoring surrounding blanks; {@code -} and
   * {@code _} are interchangeable.
   *
   * @throws IllegalArgumentException naming the value and the accepted ones
   */
  public static Placement parse(String s) {
    if (s != null) {
      String name = s.strip().replace('-', '_').toUpperCase(Locale.ROOT);
      for (Placement p : values()) {
        if (p.name().equals(name)) {
          return p;
        }
      }
    }
    throw new IllegalArgumentException("placement: " + (s == null ? "null" : "\"" + s + "\"")
        + " (expected one of: " + Arrays.stream(values()).map(p -> p.name().toLowerCase(Locale.ROOT))
            .collect(Collectors.joining(", ")) + ")");
  }
}
