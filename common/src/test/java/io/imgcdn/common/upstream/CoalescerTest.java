package io.imgcdn.common.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** One piece of work per key while it runs, and while its value settles. */
class CoalescerTest {
  private final Coalescer<String> coalescer = new Coalescer<>();
  private final AtomicInteger started = new AtomicInteger();

  private CompletableFuture<String> work(CompletableFuture<String> result) {
    started.incrementAndGet();
    return result;
  }

  @Test
  void join_whileRunning_oneWork_afterwardsAFreshOne() {
    CompletableFuture<String> result = new CompletableFuture<>();
    Coalescer.Join<String> leader = coalescer.join("k", () -> work(result));
    Coalescer.Join<String> waiter = coalescer.join("k", () -> work(new CompletableFuture<>()));
    assertThat(leader.leader()).isTrue();
    assertThat(waiter.leader()).isFalse();
    result.complete("v");
    assertThat(waiter.future().join()).isEqualTo("v");
    assertThat(coalescer.join("k", () -> work(CompletableFuture.completedFuture("w"))).leader())
        .as("done: the next caller starts fresh")
        .isTrue();
    assertThat(started).hasValue(2);
  }

  @Test
  void join_valueReadyButNotSettled_sharedAtOnce_untilSettled() {
    CompletableFuture<String> stored = new CompletableFuture<>();
    Coalescer.Join<String> leader =
        coalescer.join("k", () -> work(CompletableFuture.completedFuture("v")), v -> stored);
    assertThat(leader.future()).isCompletedWithValue("v");
    Coalescer.Join<String> meanwhile =
        coalescer.join("k", () -> work(CompletableFuture.completedFuture("x")), v -> stored);
    assertThat(meanwhile.leader()).isFalse();
    assertThat(meanwhile.future()).as("the value, at once").isCompletedWithValue("v");
    assertThat(coalescer.inFlight()).isEqualTo(1);

    stored.complete("done");
    assertThat(coalescer.inFlight()).isZero();
    assertThat(coalescer.join("k", () -> work(CompletableFuture.completedFuture("y"))).leader())
        .isTrue();
    assertThat(started).hasValue(2);
  }

  @Test
  void join_workFails_notKeptWhateverTheSettledStep() {
    Coalescer.Join<String> failed =
        coalescer.join(
            "k",
            () -> work(CompletableFuture.failedFuture(new IllegalStateException("no"))),
            v -> new CompletableFuture<>());
    assertThat(failed.future()).isCompletedExceptionally();
    assertThat(coalescer.inFlight()).isZero();
  }
}
