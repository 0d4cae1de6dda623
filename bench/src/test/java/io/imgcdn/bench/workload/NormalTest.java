package io.imgcdn.bench.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class NormalTest {

  @Test
  void cdf_knownPoints_matchTables() {
    assertThat(Normal.cdf(0)).isCloseTo(0.5, within(1e-7));
    assertThat(Normal.cdf(1.6448536269514715)).isCloseTo(0.95, within(1e-7));
    assertThat(Normal.cdf(-1.959963984540054)).isCloseTo(0.025, within(1e-7));
    assertThat(Normal.cdf(4)).isCloseTo(0.9999683287581669, within(1e-7));
  }

  @Test
  void inverseCdf_knownPoints_matchTables() {
    assertThat(Normal.inverseCdf(0.95)).isCloseTo(1.6448536269514715, within(1e-8));
    assertThat(Normal.inverseCdf(0.001)).isCloseTo(-3.090232306167813, within(1e-8));
    assertThat(Normal.inverseCdf(0.99999)).isCloseTo(4.264890793922602, within(1e-7));
    assertThat(Normal.inverseCdf(0)).isEqualTo(Double.NEGATIVE_INFINITY);
  }

  @Test
  void inverseCdf_ofCdf_isIdentity() {
    for (double x = -5; x <= 5; x += 0.25) {
      assertThat(Normal.inverseCdf(Normal.cdf(x))).as("x=%s", x).isCloseTo(x, within(2e-5));
    }
  }

  @Test
  void inverseCdf_outsideUnitInterval_throws() {
    assertThatThrownBy(() -> Normal.inverseCdf(1.5))
        .hasMessageContaining("1.5 (expected: in [0, 1])");
  }
}
