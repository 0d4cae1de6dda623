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
            () -> {
              measurements.incrementAndGet();
              return new DiskGuard.Measurement(100, 1000);
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
            () -> {
              measurements.incrementAndGet();
              return new DiskGuard.Measurement(usage.get(), 1000);
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
    DiskGuard guard = new DiskGuard(() -> new DiskGuard.Measurement(usage.get(), 1000));

    assertThat(guard.tryAdmit(100)).as("850 + 2 x 100 > 1000").isFalse();
    assertThat(guard.tryAdmit(50)).as("850 + 2 x 50 <= 1000").isTrue();
    usage.set(950); // that write landed in the WAL and a table file
    assertThat(guard.tryAdmit(50)).as("950 + 2 x 50 > 1000").isFalse();
    usage.set(400);
    assertThat(guard.tryAdmit(100)).isTrue();
  }

  @Test
  void update_limitLoweredByAnotherWriter_refusesWithoutAWriteCrossingTheOldLimitFirst() {
    AtomicLong used = new AtomicLong(100);
    AtomicLong limit = new AtomicLong(1000);
    DiskGuard guard = new DiskGuard(() -> new DiskGuard.Measurement(used.get(), limit.get()));
    assertThat(guard.tryAdmit(100)).isTrue(); // estimate 300 of 1000

    used.set(300);
    limit.set(400); // another program filled the filesystem: StoreSpace's tick measures it
    guard.update(new DiskGuard.Measurement(used.get(), limit.get()));

    assertThat(guard.tryAdmit(100)).as("300 + 2 x 100 > 400").isFalse();
    assertThat(guard.tryAdmit(50)).as("300 + 2 x 50 <= 400").isTrue();
  }
}
