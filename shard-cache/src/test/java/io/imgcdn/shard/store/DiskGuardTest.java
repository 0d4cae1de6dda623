package io.imgcdn.shard.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class DiskGuardTest {

  @Test
  void tryAdmit_farBelowLimit_measuresOnceThenCountsWithoutMeasuring() {
    AtomicInteger measurements = new AtomicInteger();
    DiskGuard guard =
        new DiskGuard(
            1000,
            () -> {
              measurements.incrementAndGet();
              return 100;
            });

    for (int i = 0; i < 4; i++) {
      assertThat(guard.tryAdmit(100)).isTrue(); // estimate 100 -> 300 -> 500 -> 700 -> 900
    }

    assertThat(measurements.get()).isEqualTo(1);
  }

  @Test
  void tryAdmit_estimateWouldCrossLimit_remeasuresAndAdmitsIfRealUsageAllows() {
    AtomicLong usage = new AtomicLong(100);
    AtomicInteger measurements = new AtomicInteger();
    DiskGuard guard =
        new DiskGuard(
            1000,
            () -> {
              measurements.incrementAndGet();
              return usage.get();
            });
    for (int i = 0; i < 4; i++) {
      guard.tryAdmit(100);
    }
    usage.set(300); // FIFO dropped files meanwhile

    assertThat(guard.tryAdmit(100)).isTrue();
    assertThat(measurements.get()).isEqualTo(2);
  }

  @Test
  void tryAdmit_realUsageNearLimit_refusesUntilUsageFalls() {
    AtomicLong usage = new AtomicLong(850);
    DiskGuard guard = new DiskGuard(1000, usage::get);

    assertThat(guard.tryAdmit(100)).as("850 + 2 x 100 > 1000").isFalse();
    assertThat(guard.tryAdmit(50)).as("850 + 2 x 50 <= 1000").isTrue();
    usage.set(950); // that write landed in the WAL and a table file
    assertThat(guard.tryAdmit(50)).as("950 + 2 x 50 > 1000").isFalse();
    usage.set(400);
    assertThat(guard.tryAdmit(100)).isTrue();
  }
}
