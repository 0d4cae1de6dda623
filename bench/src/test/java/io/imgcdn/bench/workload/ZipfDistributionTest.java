package io.imgcdn.bench.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ZipfDistributionTest {

  @Test
  void probability_followsPowerLaw() {
    ZipfDistribution z = new ZipfDistribution(1000, 0.9);

    assertThat(z.probability(0) / z.probability(9)).isCloseTo(Math.pow(10, 0.9), within(1e-9));
    double total = 0;
    for (int r = 0; r < 1000; r++) {
      total += z.probability(r);
    }
    assertThat(total).isCloseTo(1.0, within(1e-12));
  }

  @Test
  void rankAt_sampled_slopeWithinTolerance() {
    for (double s : new double[] {0.6, 0.9, 1.2}) {
      ZipfDistribution z = new ZipfDistribution(10_000, s);
      long[] counts = new long[10_000];
      SplittableRandom rng = new SplittableRandom(1);
      for (int i = 0; i < 1_000_000; i++) {
        counts[z.rankAt(rng.nextDouble())]++;
      }
      assertThat(ZipfSlope.fit(counts, 100)).as("exponent %s", s).isCloseTo(-s, within(0.05));
    }
  }

  @Test
  void rankAt_bounds_stayInRange() {
    ZipfDistribution z = new ZipfDistribution(5, 1.0);

    assertThat(z.rankAt(0.0)).isEqualTo(0);
    assertThat(z.rankAt(Math.nextDown(1.0))).isEqualTo(4);
    // cdf[0] = 1 / H(5) = 0.4379...: exactly there, rank 0's mass is used up.
    assertThat(z.rankAt(z.probability(0))).isEqualTo(1);
  }

  @Test
  void constructor_emptyDomain_throws() {
    assertThatThrownBy(() -> new ZipfDistribution(0, 0.9))
        .hasMessageContaining("n: 0 (expected: > 0)");
  }
}
