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
  KETAMA,

  /**
   * The ring of nginx's {@code hash $key consistent}: 160 points per unit of weight at CRC32 of
   * {@code host \0 port} and the previous point, keys at CRC32 of the key. An imgcdn edge and an nginx
   * front end with the same servers and weights pick the same owner for every key (list the nginx
   * servers in ascending address order so that even colliding points agree).
   */
  NGINX;

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
