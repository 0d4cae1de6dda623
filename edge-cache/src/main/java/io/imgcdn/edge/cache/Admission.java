package io.imgcdn.edge.cache;

import java.util.Locale;

/**
 * How the edge's memory cache decides whether a fetched object enters it ({@code
 * edge.cache.admission}).
 */
public enum Admission {
  /**
   * Caffeine's W-TinyLFU alone: good when popularity drifts (new uploads), weaker when it holds
   * still.
   */
  TINYLFU("tinylfu"),
  /**
   * W-TinyLFU behind a long-memory frequency filter: an object enters only if it was requested at
   * least as often as the byte-weighted mean of the objects it would displace. Aims at the byte hit
   * ratio.
   */
  FREQUENCY("frequency"),
  /**
   * W-TinyLFU behind a size-aware filter: an object enters only if its requests per byte are at
   * least those of the objects it would displace (small objects win). Aims at the object hit ratio.
   */
  FREQUENCY_PER_BYTE("frequency-per-byte"),
  /**
   * W-TinyLFU behind the FREQUENCY filter while its long memory predicts returns better than a
   * short one (stable popularity), W-TinyLFU alone while it does not (popularity drift); decided as
   * requests come. The default of {@code edge.cache.admission}.
   */
  ADAPTIVE("adaptive");

  private final String configName;

  Admission(String configName) {
    this.configName = configName;
  }

  /** The value of {@code edge.cache.admission} that selects this policy. */
  public String configName() {
    return configName;
  }

  /** The policy named {@code name} (case-insensitive); fails with the accepted names. */
  public static Admission named(String name) {
    String n = name.strip().toLowerCase(Locale.ROOT);
    for (Admission a : values()) {
      if (a.configName.equals(n)) {
        return a;
      }
    }
    throw new IllegalArgumentException(
        "admission: '" + name + "' (expected: tinylfu, frequency, frequency-per-byte or adaptive)");
  }
}
