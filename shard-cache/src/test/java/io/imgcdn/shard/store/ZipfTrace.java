package io.imgcdn.shard.store;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A deterministic request trace after the bench's workload model (docs/BENCHMARKS.md): object
 * popularity Zipf(s), sizes a lognormal spliced at the 95th percentile (mean ~60 KiB, p95 300 KiB,
 * floor 1 KiB, cap 15 MiB).
 */
final class ZipfTrace {

  /*
   * Sizes: no plain lognormal has p95 / mean = 5 (at most e^1.353 = 3.87), so, like the bench
   * module's SizeModel, we keep LN(mu = 9.15, sigma = 1.72) on each side of q = 300 KiB and put 95% of
   * the mass below q, 5% above (up to the cap). Sampling by rejection within each side. The mean comes
   * out at about 60 KiB (printed by the simulation).
   * Popularity: rank r (1-based) has weight r^-s; ranks are drawn by binary search in the CDF. Sizes
   * are independent of rank.
   */

  static final double MU = 9.15;
  static final double SIGMA = 1.72;
  static final long QUANTILE_BYTES = 300 * 1024;
  static final long FLOOR_BYTES = 1024;
  static final long CAP_BYTES = 15 * 1024 * 1024;

  final int[] sizes;
  private final double[] cdf;
  private final SplittableRandom random;

  ZipfTrace(int objects, double exponent, long seed) {
    this.random = new SplittableRandom(seed);
    this.sizes = new int[objects];
    for (int i = 0; i < objects; i++) {
      sizes[i] = (int) drawSize(random);
    }
    this.cdf = new double[objects];
    double sum = 0;
    for (int i = 0; i < objects; i++) {
      sum += Math.pow(i + 1, -exponent);
      cdf[i] = sum;
    }
    for (int i = 0; i < objects; i++) {
      cdf[i] /= sum;
    }
  }

  /** The next requested object (its index, 0 = most popular). */
  int next() {
    int i = Arrays.binarySearch(cdf, random.nextDouble());
    return Math.min(i < 0 ? -i - 1 : i, cdf.length - 1);
  }

  long totalBytes() {
    long total = 0;
    for (int size : sizes) {
      total += size;
    }
    return total;
  }

  static long drawSize(SplittableRandom random) {
    boolean tail = random.nextDouble() >= 0.95;
    while (true) {
      double x = Math.exp(MU + SIGMA * random.nextGaussian());
      if (tail ? (x > QUANTILE_BYTES && x <= CAP_BYTES) : x <= QUANTILE_BYTES) {
        return Math.max(FLOOR_BYTES, Math.round(x));
      }
    }
  }
}
