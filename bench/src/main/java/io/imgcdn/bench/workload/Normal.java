package io.imgcdn.bench.workload;

/**
 * The standard normal distribution's CDF and inverse CDF, accurate enough to fit and sample size
 * models.
 */
final class Normal {

  /*
   * cdf: Phi(x) = erfc(-x / sqrt 2) / 2 with the Chebyshev approximation of erfc from [1] (fractional
   * error below 1.2e-7 everywhere; checked against a reference erfc on [-6, 6]: 1.05e-7).
   *
   * inverseCdf: P. J. Acklam's rational approximation [2] (absolute error below 4e-9 on a 1e-5 grid
   * against a reference inverse), enough for sampling: one uniform in, one size out, so the generated
   * sizes depend only on this code and SplittableRandom, not on the JDK's nextGaussian.
   *
   * [1] Press, Teukolsky, Vetterling, Flannery. Numerical Recipes in C, 2nd ed., section 6.2, erfcc.
   * [2] P. J. Acklam. An algorithm for computing the inverse normal cumulative distribution function (2003).
   */

  private static final double[] A = {
    -3.969683028665376e+01,
    2.209460984245205e+02,
    -2.759285104469687e+02,
    1.383577518672690e+02,
    -3.066479806614716e+01,
    2.506628277459239e+00
  };
  private static final double[] B = {
    -5.447609879822406e+01,
    1.615858368580409e+02,
    -1.556989798598866e+02,
    6.680131188771972e+01,
    -1.328068155288572e+01
  };
  private static final double[] C = {
    -7.784894002430293e-03,
    -3.223964580411365e-01,
    -2.400758277161838e+00,
    -2.549732539343734e+00,
    4.374664141464968e+00,
    2.938163982698783e+00
  };
  private static final double[] D = {
    7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00
  };
  private static final double P_LOW = 0.02425;

  private Normal() {}

  /** P(Z <= x) for a standard normal Z. */
  static double cdf(double x) {
    return 0.5 * erfc(-x / Math.sqrt(2));
  }

  /** The x with cdf(x) == p; -infinity for 0 and +infinity for 1. */
  static double inverseCdf(double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException("p: " + p + " (expected: in [0, 1])");
    }
    if (p == 0) {
      return Double.NEGATIVE_INFINITY;
    }
    if (p == 1) {
      return Double.POSITIVE_INFINITY;
    }
    if (p < P_LOW) {
      double q = Math.sqrt(-2 * Math.log(p));
      return (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
          / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
    }
    if (p <= 1 - P_LOW) {
      double q = p - 0.5;
      double r = q * q;
      return (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5])
          * q
          / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1);
    }
    double q = Math.sqrt(-2 * Math.log1p(-p));
    return -(((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
        / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1);
  }

  private static double erfc(double x) {
    double z = Math.abs(x);
    double t = 1 / (1 + 0.5 * z);
    double ans =
        t
            * Math.exp(
                -z * z
                    - 1.26551223
                    + t
                        * (1.00002368
                            + t
                                * (0.37409196
                                    + t
                                        * (0.09678418
                                            + t
                                                * (-0.18628806
                                                    + t
                                                        * (0.27886807
                                                            + t
                                                                * (-1.13520398
                                                                    + t
                                                                        * (1.48851587
                                                                            + t
                                                                                * (-0.82215223
                                                                                    + t
                                                                                        * 0.17087277)))))))));
    return x >= 0 ? ans : 2 - ans;
  }
}
