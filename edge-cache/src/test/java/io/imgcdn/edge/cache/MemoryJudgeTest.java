package io.imgcdn.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MemoryJudgeTest {

  private static final int ENTRIES = 256;

  /** Weight of every key: 20 KB, so a few returns are evidence (MIN_EVIDENCE_BYTES). */
  private static final int W = 20_000;

  /**
   * One sample of requests in which 20 candidates the long memory rejected and 20 it admitted were
   * disagreed on; {@code rejectedReturn} and {@code admittedReturn} of each come back within the
   * horizon.
   */
  private static void sample(MemoryJudge judge, int base, int rejectedReturn, int admittedReturn) {
    for (int i = 0; i < 20; i++) {
      judge.disagreed(base + i, W, false);
      judge.disagreed(base + 1000 + i, W, true);
    }
    int requests = 0;
    for (int i = 0; i < rejectedReturn; i++, requests++) {
      judge.request(base + i, W);
    }
    for (int i = 0; i < admittedReturn; i++, requests++) {
      judge.request(base + 1000 + i, W);
    }
    for (; requests < ENTRIES; requests++) {
      judge.request(-1 - requests, W); // other keys
    }
  }

  @Test
  void request_longRejectedComeBackMoreThanLongAdmitted_distrustsThenTrustsWhenItTurns() {
    MemoryJudge judge = new MemoryJudge(ENTRIES);
    assertThat(judge.trustsLongMemory())
        .isFalse(); // a new cache: W-TinyLFU alone until there is evidence

    sample(judge, 5_000, 1, 8); // what the long memory admits comes back, what it rejects does not
    assertThat(judge.trustsLongMemory()).isTrue();
    sample(judge, 10_000, 4, 4); // as often: keep trusting
    assertThat(judge.trustsLongMemory()).isTrue();
    sample(judge, 20_000, 10, 2); // drift: what the long memory turns away comes back
    assertThat(judge.trustsLongMemory()).isFalse();
    sample(judge, 30_000, 5, 4); // between the thresholds: no flapping
    assertThat(judge.trustsLongMemory()).isFalse();
    sample(judge, 40_000, 1, 8);
    sample(judge, 50_000, 1, 8);
    assertThat(judge.trustsLongMemory()).isTrue();
    assertThat(judge.verdicts()).isEqualTo(6);
  }

  @Test
  void request_returnAfterTheHorizon_notCounted() {
    MemoryJudge judge = new MemoryJudge(ENTRIES);
    for (int i = 0; i < 20; i++) {
      judge.disagreed(i, W, false);
      judge.disagreed(1000 + i, W, true);
    }
    int r = 0;
    for (; r < ENTRIES * MemoryJudge.HORIZON; r++) {
      judge.request(-1 - r, W);
    }
    for (int i = 0; i < 20; i++, r++) {
      judge.request(i, W); // too late: would distrust if counted
    }
    for (; r < 2 * ENTRIES * MemoryJudge.SAMPLE; r++) {
      judge.request(-1 - r, W);
    }
    assertThat(judge.verdicts()).isEqualTo(2);
    assertThat(judge.trustsLongMemory()).isTrue();
  }

  @Test
  void request_noDisagreements_keepsDistrusting() {
    MemoryJudge judge = new MemoryJudge(ENTRIES);
    for (int r = 0; r < 3 * ENTRIES * MemoryJudge.SAMPLE; r++) {
      judge.request(r % 50, W); // the same keys over and over, none a disagreement
    }
    assertThat(judge.verdicts()).isEqualTo(3);
    assertThat(judge.trustsLongMemory()).isFalse();
  }

  @Test
  void new_entriesNotPositive_fails() {
    assertThatThrownBy(() -> new MemoryJudge(0)).hasMessageContaining("expected: > 0");
  }
}
