package io.imgcdn.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.bench.workload.Trace;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReferencePoliciesTest {

  /** Counts A4 B3 C2 D1 E1; sizes A=6 B=4 C=5 D=2 E=9. */
  private static final Trace SIZED =
      HandTraces.of("A B C A B D A C E B A", Map.of("A", 6L, "B", 4L, "C", 5L, "D", 2L, "E", 9L));

  // Capacity 9. By count (bytes): A (6) first, then B (4) and C (5) no longer fit: A's 3 repeats
  // hit, 18 bytes.
  // By count per byte: B 3/4, A 4/6, C 2/5: B (4), A does not fit, C (9): B's 2 repeats and C's 1,
  // 13 bytes.
  @Test
  void staticOracle_sizedTrace_knapsackByObjective() {
    SimulationResult bytes = Simulator.run(SIZED, Policies.named("static-bhr"), 9, 0);
    SimulationResult objects = Simulator.run(SIZED, Policies.named("static-ohr"), 9, 0);

    assertThat(bytes.hits()).isEqualTo(3);
    assertThat(bytes.hitBytes()).isEqualTo(18);
    assertThat(objects.hits()).isEqualTo(3);
    assertThat(objects.hitBytes()).isEqualTo(13);
  }

  @Test
  void edge_everyAdmissionWithRoomForAll_everyRepeatHits() {
    for (String name :
        new String[] {"edge", "edge-frequency", "edge-frequency-per-byte", "edge-adaptive"}) {
      SimulationResult r = Simulator.run(SIZED, Policies.named(name), 1 << 20, 0);

      assertThat(r.hits()).as(name).isEqualTo(11 - 5);
    }
  }

  @Test
  void edge_tooSmallForAnyObject_noHitAndWithinCapacity() {
    SimulationResult r = Simulator.run(SIZED, Policies.named("edge"), 100, 0);

    assertThat(r.hits()).isZero();
  }
}
