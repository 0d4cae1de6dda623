package io.imgcdn.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/**
 * {@link Admission#ADAPTIVE} on a real {@link EdgeCache}: request streams replayed the way the edge
 * serves them (acquire; on a miss, build, admit, release).
 */
class AdaptiveAdmissionTest {

  /**
   * Entries weigh about 16 KiB, the filter's assumed mean, so its memory is sized for what the
   * cache holds.
   */
  private static final int SIZE = (16 << 10) - 400;

  /** Objects the caches hold (each weighs SIZE + head + entry overhead, under SIZE + 400). */
  private static final int CAPACITY = 256;

  private static final int HOT = 192;

  /** A replay of requests against one cache, counting what happened. */
  private static final class Replay implements AutoCloseable {
    final EdgeCache cache;
    long requests;
    long refused;

    Replay(Admission admission) {
      cache = new EdgeCache(CAPACITY * (SIZE + 400L), 1 << 20, admission);
    }

    /** One request of {@code key}; true on a hit. */
    boolean request(String key) {
      requests++;
      CachedObject hit = cache.acquire(key);
      if (hit != null) {
        hit.release();
        return true;
      }
      CachedObject o = EdgeCacheTest.object(cache, key.hashCode(), SIZE);
      if (!cache.admit(key, o)) {
        refused++;
      }
      o.release();
      return false;
    }

    /** Whether {@code key} is in the cache now (without counting a request). */
    boolean holds(String key) {
      cache.cleanUp();
      return cache.holds(key);
    }

    @Override
    public void close() {
      cache.close();
    }
  }

  /**
   * {@code rounds} rounds over the hot keys {@code prefix}0..{@code hot}-1, each hot request
   * followed by a one-hit wonder; with {@code old} != null, each round also asks for 16 of the keys
   * {@code old}0..HOT-1 in turn (yesterday's favourites, still asked for now and then). Returns
   * {hot hits, wonders refused}.
   */
  private static long[] phase(Replay r, String prefix, int hot, int rounds, String old) {
    long hotHits = 0;
    long wondersRefused = 0;
    for (int round = 0; round < rounds; round++) {
      if (old != null) {
        for (int k = 0; k < 16; k++) {
          r.request(old + ((round * 16 + k) % HOT));
        }
      }
      for (int k = 0; k < hot; k++) {
        if (r.request(prefix + k)) {
          hotHits++;
        }
        long refusedBefore = r.refused;
        r.request("/once" + r.requests);
        wondersRefused += r.refused - refusedBefore;
      }
    }
    return new long[] {hotHits, wondersRefused};
  }

  /**
   * A stable phase: the HOT keys /a0.. with one-hit wonders between them, long enough to halve the
   * long memory once.
   */
  private static long[] stablePhase(Replay r) {
    return phase(r, "/a", HOT, 80, null);
  }

  @Test
  void admit_adaptiveOnStableStream_refusesOneHitWondersAndHitsMoreThanTinylfu() {
    try (Replay adaptive = new Replay(Admission.ADAPTIVE);
        Replay tinylfu = new Replay(Admission.TINYLFU)) {
      long[] a = stablePhase(adaptive);
      long[] t = stablePhase(tinylfu);

      assertThat(adaptive.cache.admissionFilter().judge().trustsLongMemory()).isTrue();
      assertThat(a[1]).as("one-hit wonders refused of %d", 80 * HOT).isGreaterThan(80L * HOT / 2);
      assertThat(t[1]).isZero(); // Caffeine alone: every candidate is offered
      assertThat(a[0])
          .as("hot hits, adaptive vs tinylfu %d", t[0])
          .isGreaterThan(t[0] + 80L * HOT / 20);
    }
  }

  @Test
  void admit_adaptiveAfterPopularityShift_distrustsLongMemoryThenAdmitsNewHotKeysThenTrustsAgain() {
    try (Replay r = new Replay(Admission.ADAPTIVE)) {
      stablePhase(r);
      MemoryJudge judge = r.cache.admissionFilter().judge();
      assertThat(judge.trustsLongMemory()).isTrue();
      // the shift: 64 new hot keys /b*, yesterday's /a* asked for now and then
      int roundsToDistrust = 0;
      while (judge.trustsLongMemory() && roundsToDistrust < 8) {
        phase(r, "/b", 64, 1, "/a");
        roundsToDistrust++;
      }
      assertThat(judge.trustsLongMemory())
          .as("rounds of 144 requests: %d; %s", roundsToDistrust, judge)
          .isFalse();

      int rounds = 0;
      while (heldOf(r, "/b", 64) < 64 && rounds < 20) {
        phase(r, "/b", 64, 1, "/a");
        rounds++;
      }
      assertThat(heldOf(r, "/b", 64))
          .as("new hot keys held after %d more rounds", rounds)
          .isEqualTo(64);

      phase(r, "/b", 64, 20, "/a"); // the new favourites hold still: the long memory is right again
      assertThat(judge.trustsLongMemory()).as("%s", judge).isTrue();
      long[] settled = phase(r, "/b", 64, 4, "/a");
      assertThat(settled[0]).isEqualTo(4 * 64);
    }
  }

  @Test
  void bindMetrics_adaptive_gaugeFollowsTheJudge() {
    try (Replay r = new Replay(Admission.ADAPTIVE)) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      r.cache.bindMetrics(registry);
      double fresh = registry.get("imgcdn.cache.admission.long.memory").gauge().value();

      stablePhase(r);

      assertThat(fresh).isZero(); // a new cache: W-TinyLFU alone
      assertThat(registry.get("imgcdn.cache.admission.long.memory").gauge().value()).isEqualTo(1.0);
    }
  }

  @Test
  void bindMetrics_tinylfu_noAdmissionGauge() {
    try (EdgeCache cache = new EdgeCache(1 << 20, 1 << 20, Admission.TINYLFU)) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      cache.bindMetrics(registry);

      assertThat(registry.find("imgcdn.cache.admission.long.memory").gauge()).isNull();
      assertThat(registry.find("imgcdn.cache.objects").gauge()).isNotNull();
    }
  }

  private static int heldOf(Replay r, String prefix, int keys) {
    int held = 0;
    for (int k = 0; k < keys; k++) {
      held += r.holds(prefix + k) ? 1 : 0;
    }
    return held;
  }
}
