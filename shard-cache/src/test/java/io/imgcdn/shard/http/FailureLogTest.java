package io.imgcdn.shard.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FailureLogTest {
  private static final long SECOND = 1_000_000_000L;

  private long now;
  private final List<String> lines = new ArrayList<>();
  private final List<Runnable> scheduled = new ArrayList<>();
  private final List<Long> delays = new ArrayList<>();
  private final FailureLog log =
      new FailureLog(
          "store write refused",
          "store writes refused",
          Duration.ofSeconds(10),
          () -> now,
          (task, delay) -> {
            scheduled.add(task);
            delays.add(delay);
          },
          lines::add);

  private void runScheduled() {
    List<Runnable> tasks = new ArrayList<>(scheduled);
    scheduled.clear();
    tasks.forEach(Runnable::run);
  }

  @Test
  void failed_burstOfThousands_firstLineThenOneSummaryPerInterval() {
    for (int i = 0; i < 2000; i++) {
      now = i * 5_000_000L; // 2000 failures over 10 s
      log.failed("key-" + i, "IOError: No space left on device #" + i);
    }
    assertThat(lines).hasSize(1);
    assertThat(lines.getFirst())
        .startsWith("store write refused: key-0: IOError: No space left on device #0");
    assertThat(scheduled).as("one flush scheduled for the whole interval").hasSize(1);
    assertThat(delays.getFirst())
        .as("due when the interval of the first line ends")
        .isEqualTo(10 * SECOND - 5_000_000L);

    now = 10 * SECOND;
    runScheduled();
    assertThat(lines).hasSize(2);
    assertThat(lines.get(1))
        .isEqualTo(
            "1999 store writes refused in the last 10 s: IOError: No space left on "
                + "device #1999");
  }

  @Test
  void failed_againAfterQuietInterval_loggedAtOnceWithItsKey() {
    log.failed("a", "e1");
    now = 30 * SECOND;
    log.failed("b", "e2");
    assertThat(lines).hasSize(2);
    assertThat(lines.get(1)).startsWith("store write refused: b: e2");
    assertThat(scheduled).isEmpty();
  }

  @Test
  void flush_nothingSuppressed_writesNothing() {
    log.failed("a", "e1");
    log.flush();
    assertThat(lines).hasSize(1);
  }

  @Test
  void failed_schedulerShutDown_countsOnWithoutThrowing() {
    FailureLog closing =
        new FailureLog(
            "store write refused",
            "store writes refused",
            Duration.ofSeconds(10),
            () -> now,
            (task, delay) -> {
              throw new java.util.concurrent.RejectedExecutionException("event loop shut down");
            },
            lines::add);
    closing.failed("a", "e1");
    closing.failed("b", "e2");
    closing.flush();
    assertThat(lines)
        .containsExactly(
            "store write refused: a: e1 (more within 10 s: one summary line)",
            "1 store write refused in the last 1 s: e2");
  }
}
