package io.imgcdn.common.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CollectBudgetTest {
  private final List<String> granted = new ArrayList<>();

  private CollectBudget.Grant ask(CollectBudget budget, String name, long bytes) {
    return budget.acquire(bytes, () -> granted.add(name));
  }

  @Test
  void acquire_beyondTheLimit_waitsInArrivalOrderUntilReleased() {
    CollectBudget budget = new CollectBudget(100);
    CollectBudget.Grant a = ask(budget, "a", 60);
    CollectBudget.Grant b = ask(budget, "b", 60);
    CollectBudget.Grant c = ask(budget, "c", 10); // fits, but b came first

    assertThat(a.granted()).isTrue();
    assertThat(b.granted()).isFalse();
    assertThat(c.granted()).isFalse();
    a.release();
    assertThat(granted).containsExactly("b", "c");
    assertThat(budget.usedBytes()).isEqualTo(70);
    assertThat(budget.waits()).isEqualTo(2);
    assertThat(budget.peakBytes()).isEqualTo(70);
  }

  @Test
  void acquire_largerThanTheLimit_admittedAloneWhenNothingElseIs() {
    CollectBudget budget = new CollectBudget(100);
    CollectBudget.Grant small = ask(budget, "small", 10);
    CollectBudget.Grant huge = ask(budget, "huge", 500);

    assertThat(huge.granted()).isFalse();
    small.release();
    assertThat(huge.granted()).isTrue();
    assertThat(budget.usedBytes()).isEqualTo(500);
  }

  @Test
  void release_ofAWaitingGrantOrTwice_leavesTheQueueAndCountsOnce() {
    CollectBudget budget = new CollectBudget(100);
    CollectBudget.Grant a = ask(budget, "a", 80);
    CollectBudget.Grant b = ask(budget, "b", 80);
    CollectBudget.Grant c = ask(budget, "c", 80);

    b.release(); // gave up while waiting (failed, timed out)
    a.release();
    a.release();
    assertThat(granted).containsExactly("c");
    assertThat(budget.usedBytes()).isEqualTo(80);
    c.release();
    assertThat(budget.usedBytes()).isZero();
  }

  @Test
  void acquire_noLimit_alwaysGranted() {
    CollectBudget budget = new CollectBudget(0);
    assertThat(ask(budget, "a", 1L << 40).granted()).isTrue();
    assertThat(ask(budget, "b", 1L << 40).granted()).isTrue();
    assertThat(budget.waits()).isZero();
  }
}
