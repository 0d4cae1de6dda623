package io.imgcdn.bench.workload;

import java.util.Arrays;

/** A Zipf distribution over ranks 0..n-1: P(rank r) proportional to 1 / (r + 1)^exponent. */
public final class ZipfDistribution {

  /*
   * Sampling by inversion over a precomputed CDF table (binary search, O(log n)): exact for any
   * exponent, including exponents near 1 where closed-form approximations are weakest, and simple to
   * check. The table costs 8 bytes per rank (160 KB for 20,000 originals; 80 MB for ten million).
   * Rejection-inversion [1] would need no table; we do not need that scale.
   *
   * [1] W. Hormann, G. Derflinger. Rejection-inversion to generate variates from monotone discrete
   *     distributions. ACM TOMACS 6(3), 1996.
   */

  private final double exponent;
  private final double[] cdf;

  public ZipfDistribution(int n, double exponent) {
    if (n <= 0) {
      throw new IllegalArgumentException("n: " + n + " (expected: > 0)");
    }
    if (!(exponent >= 0 && exponent <= 5)) {
      throw new IllegalArgumentException("exponent: " + exponent + " (expected: in [0, 5])");
    }
    this.exponent = exponent;
    this.cdf = new double[n];
    double sum = 0;
    for (int r = 0; r < n; r++) {
      sum += Math.pow(r + 1, -exponent);
      cdf[r] = sum;
    }
    for (int r = 0; r < n; r++) {
      cdf[r] /= sum;
    }
    cdf[n - 1] = 1.0;
  }

  /** The rank (0 = most popular) at cumulative probability u in [0, 1). */
  public int rankAt(double u) {
    int i = Arrays.binarySearch(cdf, u);
    // An exact hit on cdf[i] belongs to rank i + 1 (cdf[i] is the mass of ranks 0..i).
    int rank = i >= 0 ? i + 1 : -i - 1;
    return Math.min(rank, cdf.length - 1);
  }

  /** P(rank r). */
  public double probability(int rank) {
    return rank == 0 ? cdf[0] : cdf[rank] - cdf[rank - 1];
  }

  public int size() {
    return cdf.length;
  }

  public double exponent() {
    return exponent;
  }
}
