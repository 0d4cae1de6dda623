package io.imgcdn.origin.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PipelineTest {

  /** A clock that moves one second forward each time it is read. */
  static final class SteppingClock extends Clock {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      Instant t = now;
      now = now.plusSeconds(1);
      return t;
    }
  }

  @Test
  void run_deadlinePassesBetweenSteps_504NamingNextStep() {
    List<String> ran = new ArrayList<>();
    Pipeline<List<String>> pipeline =
        Pipeline.<List<String>>builder()
            .step("a", job -> job.add("a"))
            .step("b", job -> job.add("b"))
            .step("c", job -> job.add("c"))
            .clock(new SteppingClock())
            .build();
    // Checks read 00:00, 00:01, 00:02: the deadline 00:01.5 passes before step c.
    assertThatThrownBy(() -> pipeline.run(ran, Instant.parse("2026-01-01T00:00:01.500Z")))
        .isInstanceOfSatisfying(
            ImageProcessingException.class,
            e -> {
              assertThat(e.status()).isEqualTo(504);
              assertThat(e.getMessage()).isEqualTo("deadline passed at c");
            });
    assertThat(ran).containsExactly("a", "b");
  }

  @Test
  void builder_duplicateStep_throws() {
    assertThatThrownBy(() -> Pipeline.<Object>builder().step("x", j -> {}).step("x", j -> {}))
        .hasMessage("step: 'x' (expected: a unique name)");
  }
}
