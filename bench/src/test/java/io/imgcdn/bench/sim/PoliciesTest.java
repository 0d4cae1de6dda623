package io.imgcdn.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.bench.workload.Trace;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PoliciesTest {

  /**
   * The reference string of Belady, Nelson and Shedler (1969), the one that shows FIFO's anomaly.
   */
  private static final Trace ANOMALY = HandTraces.unit("1 2 3 4 1 2 5 1 2 3 4 5");

  /** Sizes A=6 B=4 C=5 D=2 E=9; worked by hand in the comments below. */
  private static final Trace SIZED =
      HandTraces.of("A B C A B D A C E B A", Map.of("A", 6L, "B", 4L, "C", 5L, "D", 2L, "E", 9L));

  private static long hits(String policy, Trace trace, long capacity) {
    return Simulator.run(trace, Policies.named(policy), capacity, 0).hits();
  }

  // Textbook page-fault counts for this string: FIFO 9 with 3 frames and 10 with 4 (the anomaly),
  // LRU 10 and 8, OPT 7 and 6. Hits are 12 minus faults. Belady with bypass does not need to admit
  // the
  // last request's objects, but they are misses either way, so the counts match OPT's.
  @ParameterizedTest
  @CsvSource({"fifo, 3, 3", "fifo, 4, 2", "lru, 3, 2", "lru, 4, 4", "belady, 3, 5", "belady, 4, 6"})
  void hits_anomalyString_textbookCounts(String policy, long frames, long expectedHits) {
    assertThat(hits(policy, ANOMALY, frames)).isEqualTo(expectedHits);
  }

  // LRU, capacity 10: A [A:6]; B [A B:10]; C evicts A [B C:9]; A evicts B and C [A:6]; B [A B:10];
  // D evicts A [B D:6]; A evicts B [D A:8]; C evicts D and A [C:5]; E evicts C [E:9]; B evicts E
  // [B:4];
  // A [B A:10]. No hit. FIFO makes the same moves here (there is no hit to reorder anything).
  @Test
  void lruAndFifo_sizedTrace_noHitAtCapacity10() {
    assertThat(hits("lru", SIZED, 10)).isZero();
    assertThat(hits("fifo", SIZED, 10)).isZero();
  }

  // Belady, capacity 10. Next uses: A 0->3->6->10, B 1->4->9, C 2->7, D and E never again.
  // 0 A admitted (6); 1 B fits (10); 2 C (next 7) would have to evict B (next 4, sooner): bypassed;
  // 3 A hit; 4 B hit; 5 D never again: bypassed; 6 A hit; 7 C never again; 8 E never again; 9 B
  // hit;
  // 10 A hit. Hits: A x3 + B x2 = 5 requests, 6*3 + 4*2 = 26 of 57 bytes.
  @Test
  void belady_sizedTrace_fiveHits26Bytes() {
    SimulationResult r = Simulator.run(SIZED, Policies.named("belady"), 10, 0);

    assertThat(r.hits()).isEqualTo(5);
    assertThat(r.hitBytes()).isEqualTo(26);
    assertThat(r.bytes()).isEqualTo(57);
    assertThat(r.byteHitRatio()).isEqualTo(26.0 / 57);
  }

  // LRU, capacity 12: A [A:6]; B [A B:10]; C evicts A [B C:9]; A evicts B [C A:11]; B evicts C [A
  // B:10];
  // D [A B D:12]; A hit [B D A]; C evicts B and D [A C:11]; E evicts A and C [E:9]; B [E B:13>12]
  // evicts
  // E [B:4]; A [B A:10]. One hit.
  @Test
  void lru_sizedTrace_oneHitAtCapacity12() {
    assertThat(hits("lru", SIZED, 12)).isEqualTo(1);
  }

  // Capacity 10, A=2, B=8, C=8, trace B B A C A B.
  // GDSF (H = L + f/s): B .125; B hit .25; A .5 [10]; C evicts B (L=.25), C .375 [10]; A hit 1.25;
  // B evicts C (L=.375), B .5. Hits: B, A (10 bytes).
  // LFU-DA (H = L + f): B 1; B hit 2; A 1 [10]; C evicts A (L=1) and B (L=2), C 3 [8]; A misses, 3
  // [10];
  // B evicts C (tie with A, older; L=3), B 4. Hits: B (8 bytes).
  @Test
  void greedyDual_sizedTrace_gdsfKeepsSmallLfuDaKeepsFrequent() {
    Trace t = HandTraces.of("B B A C A B", Map.of("A", 2L, "B", 8L, "C", 8L));

    SimulationResult gdsf = Simulator.run(t, Policies.named("gdsf"), 10, 0);
    SimulationResult lfuda = Simulator.run(t, Policies.named("lfuda"), 10, 0);

    assertThat(gdsf.hits()).isEqualTo(2);
    assertThat(gdsf.hitBytes()).isEqualTo(10);
    assertThat(lfuda.hits()).isEqualTo(1);
    assertThat(lfuda.hitBytes()).isEqualTo(8);
  }

  @Test
  void caffeineMax_objectAboveShare_neverAdmitted() {
    Trace t = HandTraces.of("big small big small big small", Map.of("big", 30L, "small", 20L));

    SimulationResult r = Simulator.run(t, Policies.named("caffeine-max4"), 100, 0);

    assertThat(r.hits()).isEqualTo(2);
    assertThat(r.hitBytes()).isEqualTo(40);
  }

  @Test
  void warmup_requestsBeforeIt_notCounted() {
    SimulationResult r = Simulator.run(ANOMALY, Policies.named("lru"), 4, 6);

    // LRU with 4 frames hits at requests 4 (1) and 5 (2) (both in the warm-up) and 7 (1) and 8 (2).
    assertThat(r.requests()).isEqualTo(6);
    assertThat(r.hits()).isEqualTo(2);
  }

  @ParameterizedTest
  @CsvSource({"lru", "fifo", "caffeine", "gdsf", "lfuda", "belady", "caffeine-max1"})
  void anyPolicy_objectLargerThanCache_neverHits(String policy) {
    Trace t = HandTraces.of("big small big small big", Map.of("big", 100L, "small", 10L));
    SimulationResult r = Simulator.run(t, Policies.named(policy), 50, 0);

    assertThat(r.hits()).isEqualTo(1); // the second "small"
    assertThat(r.hitBytes()).isEqualTo(10);
  }

  @ParameterizedTest
  @CsvSource({"lru", "fifo", "caffeine", "gdsf", "lfuda", "belady", "caffeine-max1"})
  void anyPolicy_everythingFits_onlyFirstRequestsMiss(String policy) {
    Trace t = HandTraces.unit("a b c a b c d a b c d");

    assertThat(hits(policy, t, 100)).isEqualTo(11 - 4);
  }

  @Test
  void caffeine_hotSetUnderScan_keepsHotSetUnlikeLru() {
    // 8 hot objects requested round after round, each round followed by 40 one-time objects; the
    // cache
    // holds 20. LRU lets every scan flush the hot set; TinyLFU's admission refuses the one-timers.
    StringBuilder sb = new StringBuilder();
    int scan = 0;
    for (int round = 0; round < 50; round++) {
      for (int h = 0; h < 8; h++) {
        sb.append("h").append(h).append(' ');
      }
      for (int s = 0; s < 40; s++) {
        sb.append("s").append(scan++).append(' ');
      }
    }
    Trace t = HandTraces.unit(sb.toString());

    long lru = hits("lru", t, 20);
    long caffeine = hits("caffeine", t, 20);
    long belady = hits("belady", t, 20);
    assertThat(lru).isZero();
    assertThat(caffeine).isGreaterThan(8 * 40);
    assertThat(belady).isEqualTo(8 * 49);
  }

  @Test
  void belady_replayedOutOfOrder_throws() {
    CachePolicy p = Policies.named("belady").create(ANOMALY, 3);
    p.access(ANOMALY.objectAt(0), 1);

    assertThatThrownBy(() -> p.access(ANOMALY.objectAt(0), 1))
        .hasMessageContaining("request 1: object 0 (expected:");
  }

  @Test
  void named_unknown_listsKnown() {
    assertThatThrownBy(() -> Policies.named("arc"))
        .hasMessageContaining("policy: arc (expected: one of [lru, fifo");
  }
}
