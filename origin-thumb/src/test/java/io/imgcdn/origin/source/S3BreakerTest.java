package io.imgcdn.origin.source;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.origin.source.S3Breaker.Outcome;
import io.imgcdn.origin.source.S3Breaker.State;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The breaker's states on a clock the test moves. */
class S3BreakerTest {
  private final AtomicLong now = new AtomicLong(5_000_000_000L);
  private final S3Breaker breaker = new S3Breaker(3, Duration.ofSeconds(5), now::get);

  private void calls(Outcome... outcomes) {
    for (Outcome o : outcomes) {
      breaker.record(breaker.tryAcquire(), o);
    }
  }

  @Test
  void closed_consecutiveTimeoutsOpenIt_anAnswerBreaksTheRun() {
    calls(Outcome.TIMED_OUT, Outcome.TIMED_OUT, Outcome.ANSWERED, Outcome.TIMED_OUT);
    calls(Outcome.TIMED_OUT);
    assertThat(breaker.state()).isEqualTo(State.CLOSED);
    calls(Outcome.TIMED_OUT);
    assertThat(breaker.state()).isEqualTo(State.OPEN);
    assertThat(breaker.opens()).isEqualTo(1);
    assertThat(breaker.tryAcquire()).as("refused while open").isNull();
    assertThat(breaker.refused()).isEqualTo(1);
    assertThat(breaker.untilProbe()).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void open_afterOpenForOneProbe_itsTimeoutReopens_itsAnswerCloses() {
    calls(Outcome.TIMED_OUT, Outcome.TIMED_OUT, Outcome.TIMED_OUT);
    now.addAndGet(Duration.ofMillis(4999).toNanos());
    assertThat(breaker.tryAcquire()).isNull();
    now.addAndGet(Duration.ofMillis(1).toNanos());
    S3Breaker.Permit probe = breaker.tryAcquire();
    assertThat(probe).isNotNull();
    assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
    assertThat(breaker.tryAcquire()).as("one probe at a time").isNull();

    breaker.record(probe, Outcome.TIMED_OUT);
    assertThat(breaker.state()).isEqualTo(State.OPEN);
    assertThat(breaker.opens()).isEqualTo(2);
    assertThat(breaker.untilProbe()).isEqualTo(Duration.ofSeconds(5));

    now.addAndGet(Duration.ofSeconds(5).toNanos());
    S3Breaker.Permit next = breaker.tryAcquire();
    breaker.record(next, Outcome.ANSWERED);
    assertThat(breaker.state()).isEqualTo(State.CLOSED);
    assertThat(breaker.tryAcquire()).isNotNull();
    calls(Outcome.TIMED_OUT, Outcome.TIMED_OUT);
    assertThat(breaker.state()).as("the run starts again from 0").isEqualTo(State.CLOSED);
  }

  @Test
  void abandoned_neitherCountsNorBreaksTheRun_anAbandonedProbeLetsTheNextCallProbe() {
    calls(Outcome.TIMED_OUT, Outcome.ABANDONED, Outcome.TIMED_OUT, Outcome.ABANDONED);
    assertThat(breaker.state()).isEqualTo(State.CLOSED);
    calls(Outcome.TIMED_OUT);
    assertThat(breaker.state()).isEqualTo(State.OPEN);

    now.addAndGet(Duration.ofSeconds(5).toNanos());
    breaker.record(breaker.tryAcquire(), Outcome.ABANDONED);
    assertThat(breaker.state()).isEqualTo(State.OPEN);
    assertThat(breaker.tryAcquire()).as("the next call is the probe").isNotNull();
    assertThat(breaker.state()).isEqualTo(State.HALF_OPEN);
    assertThat(breaker.opens()).isEqualTo(1);
  }

  @Test
  void thresholdZero_neverOpens() {
    S3Breaker off = new S3Breaker(0, Duration.ofSeconds(5), now::get);
    for (int i = 0; i < 100; i++) {
      off.record(off.tryAcquire(), Outcome.TIMED_OUT);
    }
    assertThat(off.state()).isEqualTo(State.CLOSED);
    assertThat(off.opens()).isZero();
  }
}
