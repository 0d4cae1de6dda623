package io.imgcdn.bench.jmh.hashring;

import io.imgcdn.hashring.Node;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/** Members and keys shared by the hashring benchmarks. */
final class HashRingFixtures {

  private HashRingFixtures() {}

  /** {@code n} members of weight 1, in a shuffled order (placements must not care). */
  static List<Node> members(int n, long seed) {
    List<Node> nodes = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      nodes.add(
          Node.of(
              String.format(Locale.ROOT, "shard-%04d", i),
              "10." + (i >>> 16) + "." + ((i >>> 8) & 0xFF) + "." + (i & 0xFF) + ":8080"));
    }
    Collections.shuffle(nodes, new java.util.Random(seed));
    return nodes;
  }

  /**
   * {@code count} distinct 60-byte picture URLs, e.g. {@code
   * /v/w600/img/2024/05/17/13/42/07/123456789_p0.jpg?v=00042}.
   */
  static String[] urls(int count, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    String[] urls = new String[count];
    for (int i = 0; i < count; i++) {
      urls[i] =
          String.format(
              Locale.ROOT,
              "/v/w%d/img/2024/%02d/%02d/%02d/%02d/%02d/%09d_p%d.jpg?v=%05d",
              150 * (1 + random.nextInt(6)),
              1 + random.nextInt(12),
              1 + random.nextInt(28),
              random.nextInt(24),
              random.nextInt(60),
              random.nextInt(60),
              random.nextInt(1_000_000_000),
              random.nextInt(10),
              random.nextInt(100_000));
    }
    return urls;
  }
}
