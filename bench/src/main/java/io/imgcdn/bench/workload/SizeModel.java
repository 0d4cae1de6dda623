package io.imgcdn.bench.workload;

/**
 * The distribution of original object sizes: a lognormal LN(mu, sigma) spliced at a quantile so
 * that both a given mean and a given quantile (pixiv's 60 KB mean and 300 KB 95th percentile) hold
 * exactly, with sizes clamped to [floorBytes, capBytes].
 *
 * @param mu lognormal location (natural log of bytes)
 * @param sigma lognormal shape
 * @param quantileLevel the level whose quantile is pinned, e.g. 0.95
 * @param quantileBytes the pinned quantile, e.g. 300 KiB
 * @param floorBytes smallest size (smaller draws are raised to it)
 * @param capBytes largest size (the spliced tail is truncated there)
 */
public record SizeModel(
    double mu,
    double sigma,
    double quantileLevel,
    long quantileBytes,
    long floorBytes,
    long capBytes) {

  /*
   * Why not a plain lognormal. For X ~ LN(mu, sigma), mean = exp(mu + sigma^2/2) and
   * p95 = exp(mu + z sigma) with z = 1.6449, so ln(p95 / mean) = z sigma - sigma^2/2, which is at most
   * z^2/2 = 1.353 (at sigma = z): no lognormal has p95 / mean above e^1.353 = 3.87. pixiv's figures give
   * 300 / 60 = 5, so solving the two equations for (mu, sigma) has no real root (the quadratic
   * sigma^2/2 - z sigma + ln 5 = 0 has discriminant z^2 - 2 ln 5 = -0.51). Truncating at 15 MB does not
   * rescue it either: the smallest mean a capped lognormal with p95 = 300 KB reaches is about 77 KB.
   *
   * What we do instead (a spliced lognormal). Keep the lognormal's shape on each side of the pinned
   * quantile q and reweight the two sides so exactly 95% of the mass lies at or below q:
   *   below q : mass p     = 0.95, density proportional to LN(mu, sigma) on (0, q]
   *   above q : mass 1 - p = 0.05, density proportional to LN(mu, sigma) on (q, cap]
   * Any (mu, sigma) then has p95 = q exactly. mu is solved (bisection; the mean grows with mu) so the mean
   * is exactly the target, and sigma is the one that needs the least reweighting, i.e. minimises
   * |ln w| with w = (1 - p) / (F(cap) - F(q)) the factor the tail is scaled by; F is the LN CDF. Where a
   * plain lognormal fits (p95 / mean <= 3.87) this finds it (w = 1; of the two roots, the smaller
   * sigma). For 60 KiB / 300 KiB / 15 MiB with a
   * 1 KiB floor it gives sigma = 1.72, mu = 9.16 (LN median 9.3 KiB) and w = 2.31: the lognormal closest
   * to pixiv's figures puts 2.2% of its mass above 300 KB, the splice puts 5% there.
   *
   * Sampling is by inversion, one uniform u per object: u < p maps linearly onto F in (0, F(q)], u >= p
   * onto (F(q), F(cap)], then size = exp(mu + sigma * PhiInverse(F)), clamped to [floor, cap].
   * The floor (1 KiB by default) keeps every original a valid, non-degenerate JPEG; about 10% of draws
   * are raised to it, and the fit accounts for that, so the mean stays exact.
   */

  private static final double SIGMA_MIN = 0.2;
  private static final double SIGMA_MAX = 4.0;
  private static final double SIGMA_STEP = 0.005;

  public SizeModel {
    if (!(sigma > 0)) {
      throw new IllegalArgumentException("sigma: " + sigma + " (expected: > 0)");
    }
    if (!(quantileLevel > 0 && quantileLevel < 1)) {
      throw new IllegalArgumentException(
          "quantileLevel: " + quantileLevel + " (expected: in (0, 1))");
    }
    if (!(floorBytes > 0 && floorBytes < quantileBytes && quantileBytes < capBytes)) {
      throw new IllegalArgumentException(
          "floor, quantile, cap: "
              + floorBytes
              + ", "
              + quantileBytes
              + ", "
              + capBytes
              + " (expected: 0 < floor < quantile < cap)");
    }
  }

  /** pixiv's figures: mean 60 KiB, 95th percentile 300 KiB, cap 15 MiB; floor 1 KiB. */
  public static SizeModel pixiv() {
    return fit(60 * 1024, 0.95, 300 * 1024, 1024, 15 * 1024 * 1024);
  }

  /**
   * Solves the spliced lognormal for the given mean and quantile (see the design note in the
   * source).
   */
  public static SizeModel fit(
      long meanBytes, double quantileLevel, long quantileBytes, long floorBytes, long capBytes) {
    double p = quantileLevel;
    double lowest = p * floorBytes + (1 - p) * quantileBytes;
    double highest = p * quantileBytes + (1 - p) * capBytes;
    if (!(meanBytes > lowest && meanBytes < highest)) {
      throw new IllegalArgumentException(
          "meanBytes: "
              + meanBytes
              + " (expected: in ("
              + (long) lowest
              + ", "
              + (long) highest
              + ") for this quantile, floor and cap)");
    }
    int steps = (int) Math.round((SIGMA_MAX - SIGMA_MIN) / SIGMA_STEP);
    double[] d = new double[steps + 1];
    for (int i = 0; i <= steps; i++) {
      d[i] =
          distortion(meanBytes, p, quantileBytes, floorBytes, capBytes, SIGMA_MIN + i * SIGMA_STEP);
    }
    // Refine every local minimum of the grid by golden section; the lowest wins, and among equally
    // good
    // ones (two sigmas fit a plain lognormal exactly) the smaller sigma, i.e. the lighter tail.
    double sigma = Double.NaN;
    double best = Double.POSITIVE_INFINITY;
    for (int i = 0; i <= steps; i++) {
      boolean localMin = (i == 0 || d[i] <= d[i - 1]) && (i == steps || d[i] <= d[i + 1]);
      if (!localMin || Double.isInfinite(d[i])) {
        continue;
      }
      double lo = Math.max(SIGMA_MIN, SIGMA_MIN + (i - 1) * SIGMA_STEP);
      double hi = Math.min(SIGMA_MAX, SIGMA_MIN + (i + 1) * SIGMA_STEP);
      double g = (Math.sqrt(5) - 1) / 2;
      for (int k = 0; k < 60; k++) {
        double a = hi - g * (hi - lo);
        double b = lo + g * (hi - lo);
        if (distortion(meanBytes, p, quantileBytes, floorBytes, capBytes, a)
            <= distortion(meanBytes, p, quantileBytes, floorBytes, capBytes, b)) {
          hi = b;
        } else {
          lo = a;
        }
      }
      double s = (lo + hi) / 2;
      double ds = distortion(meanBytes, p, quantileBytes, floorBytes, capBytes, s);
      if (ds < best - 1e-9) {
        best = ds;
        sigma = s;
      }
    }
    double mu = solveMu(meanBytes, p, quantileBytes, floorBytes, capBytes, sigma);
    return new SizeModel(mu, sigma, p, quantileBytes, floorBytes, capBytes);
  }

  /** The size at cumulative probability u (the inverse CDF), u in [0, 1). */
  public long sizeAt(double u) {
    if (!(u >= 0 && u < 1)) {
      throw new IllegalArgumentException("u: " + u + " (expected: in [0, 1))");
    }
    double fq = lnCdf(quantileBytes);
    double f =
        u < quantileLevel
            ? u / quantileLevel * fq
            : fq + (u - quantileLevel) / (1 - quantileLevel) * (lnCdf(capBytes) - fq);
    double x = Math.exp(mu + sigma * Normal.inverseCdf(f));
    return Math.clamp(Math.round(x), floorBytes, capBytes);
  }

  /** The model's exact mean in bytes. */
  public double mean() {
    return splicedMean(mu, sigma, quantileLevel, quantileBytes, floorBytes, capBytes);
  }

  /**
   * The factor the tail above the pinned quantile is scaled by relative to the plain lognormal (1 =
   * none).
   */
  public double tailWeight() {
    return (1 - quantileLevel) / (lnCdf(capBytes) - lnCdf(quantileBytes));
  }

  /** The share of draws raised to the floor. */
  public double floorShare() {
    return quantileLevel * lnCdf(floorBytes) / lnCdf(quantileBytes);
  }

  private double lnCdf(double bytes) {
    return Normal.cdf((Math.log(bytes) - mu) / sigma);
  }

  private static double distortion(
      long mean, double p, long q, long floor, long cap, double sigma) {
    double mu = solveMu(mean, p, q, floor, cap, sigma);
    double tailMass =
        Normal.cdf((Math.log(cap) - mu) / sigma) - Normal.cdf((Math.log(q) - mu) / sigma);
    return tailMass > 0 ? Math.abs(Math.log((1 - p) / tailMass)) : Double.POSITIVE_INFINITY;
  }

  private static double solveMu(long mean, double p, long q, long floor, long cap, double sigma) {
    double lo = Math.log(floor) - 3 * sigma;
    double hi = Math.log(cap) + 3 * sigma;
    for (int i = 0; i < 200; i++) {
      double mid = (lo + hi) / 2;
      if (splicedMean(mid, sigma, p, q, floor, cap) < mean) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return (lo + hi) / 2;
  }

  private static double splicedMean(
      double mu, double sigma, double p, long q, long floor, long cap) {
    double ff = Normal.cdf((Math.log(floor) - mu) / sigma);
    double fq = Normal.cdf((Math.log(q) - mu) / sigma);
    double body;
    if (fq <= 0) {
      body = floor; // all body mass sits far below the floor
    } else {
      body = (floor * ff + partialExpectation(mu, sigma, floor, q)) / fq;
    }
    return p * body + (1 - p) * truncatedMean(mu, sigma, q, cap);
  }

  /** E[X; a < X <= b] for X ~ LN(mu, sigma). */
  private static double partialExpectation(double mu, double sigma, double a, double b) {
    double alpha = (Math.log(a) - mu) / sigma;
    double beta = (Math.log(b) - mu) / sigma;
    return Math.exp(mu + sigma * sigma / 2)
        * (Normal.cdf(beta - sigma) - Normal.cdf(alpha - sigma));
  }

  /** E[X | a < X <= b]; the nearer end when (a, b] holds no representable mass. */
  private static double truncatedMean(double mu, double sigma, double a, double b) {
    double mass = Normal.cdf((Math.log(b) - mu) / sigma) - Normal.cdf((Math.log(a) - mu) / sigma);
    if (!(mass > 1e-300)) {
      return mu < Math.log(a) ? a : b;
    }
    return Math.clamp(partialExpectation(mu, sigma, a, b) / mass, a, b);
  }
}
