package io.imgcdn.bench.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SizeModelTest {

  private static final long KIB = 1024;

  @Test
  void pixiv_model_hasExactMeanAndP95() {
    SizeModel m = SizeModel.pixiv();

    assertThat(m.mean()).isCloseTo(60 * KIB, within(0.001 * 60 * KIB));
    assertThat(m.sizeAt(0.95)).isCloseTo(300 * KIB, within(2L));
    assertThat(m.sizeAt(0.999999)).isLessThanOrEqualTo(15 * KIB * KIB);
    assertThat(m.sizeAt(0)).isEqualTo(KIB);
    // The design note quotes these; a change in the fit must update it.
    assertThat(m.sigma()).isCloseTo(1.72, within(0.01));
    assertThat(m.mu()).isCloseTo(9.16, within(0.01));
    assertThat(m.tailWeight()).isCloseTo(2.31, within(0.01));
    assertThat(m.floorShare()).isBetween(0.09, 0.11);
  }

  @Test
  void pixiv_samples_meanAndP95WithinTolerance() {
    SizeModel m = SizeModel.pixiv();
    SplittableRandom rng = new SplittableRandom(7);
    int n = 400_000;
    long[] sizes = new long[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sizes[i] = m.sizeAt(rng.nextDouble());
      sum += sizes[i];
    }
    Arrays.sort(sizes);

    // Standard error of the mean here is about 0.6%; 3% is five of them.
    assertThat(sum / n).isCloseTo(60 * KIB, within(0.03 * 60 * KIB));
    assertThat((double) sizes[(int) (0.95 * n)]).isCloseTo(300 * KIB, within(0.02 * 300 * KIB));
    assertThat(sizes[0]).isEqualTo(KIB);
    assertThat(sizes[n - 1]).isLessThanOrEqualTo(15 * KIB * KIB);
  }

  @Test
  void fit_whenPlainLognormalExists_findsItWithoutReweighting() {
    // p95 / mean = 3 < 3.87: a plain lognormal has both (sigma = z -+ sqrt(z^2 - 2 ln 3) = 0.93 or
    // 2.36).
    SizeModel m = SizeModel.fit(10_000, 0.95, 30_000, 10, 1L << 40);

    assertThat(m.tailWeight()).isCloseTo(1.0, within(0.01));
    assertThat(m.sigma()).isCloseTo(0.932, within(0.01));
    assertThat(m.mean()).isCloseTo(10_000, within(1.0));
    assertThat(m.sizeAt(0.95)).isCloseTo(30_000, within(2L));
  }

  @Test
  void sizeAt_isMonotone() {
    SizeModel m = SizeModel.pixiv();
    long previous = 0;
    for (double u = 0; u < 1; u += 0.001) {
      long s = m.sizeAt(u);
      assertThat(s).as("u=%s", u).isGreaterThanOrEqualTo(previous);
      previous = s;
    }
  }

  @Test
  void fit_unreachableMean_throwsWithRange() {
    assertThatThrownBy(() -> SizeModel.fit(10 * KIB, 0.95, 300 * KIB, KIB, 15 * KIB * KIB))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("meanBytes: 10240 (expected: in (");
  }

  @Test
  void constructor_floorAboveQuantile_throws() {
    assertThatThrownBy(() -> new SizeModel(9, 1.5, 0.95, 100, 200, 1000))
        .hasMessageContaining("(expected: 0 < floor < quantile < cap)");
  }
}
