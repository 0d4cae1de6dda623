package io.imgcdn.hashring;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How a {@link NodeLocator} places nodes and keys; chosen by configuration. */
public enum Placement {

  /**
   * A ketama-style ring (Karger et al. 1997): 160 points per unit of weight, each point at {@code
   * xxHash64(id, seed = i)}; a key belongs to the first point at or after its hash.
   */
  KETAMA,

  /**
   * The ring of nginx's {@code hash $key consistent}: 160 points per unit of weight at CRC32 of
   * {@code host \0 port} and the previous point, keys at CRC32 of the key. An imgcdn edge and an
   * nginx front end with the same servers and weights pick the same owner for every key (list the
   * nginx servers in ascending address order so that even colliding points agree).
   */
  NGINX,

  /**
   * A Maglev lookup table (Eisenbud et al. 2016) of 1,048,573 slots (2 MB): O(1) lookups at any
   * size and near-perfect balance (under 0.01% intrinsic imbalance at 100 members); on a membership
   * change a few keys (about 0.1%) also move between members that stayed. Total weight up to
   * 16,383.
   */
  MAGLEV,

  /**
   * Weighted rendezvous hashing (Thaler and Ravishankar 1998): no intrinsic imbalance, strictly
   * minimal movement (only the added or removed member's keys move), 16 bytes per member, but
   * O(members) per lookup: for rings of up to about 100 members.
   */
  RENDEZVOUS;

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
    throw new IllegalArgumentException(
        "placement: "
            + (s == null ? "null" : "\"" + s + "\"")
            + " (expected one of: "
            + Arrays.stream(values())
                .map(p -> p.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "))
            + ")");
  }
}
