package io.imgcdn.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class AdmissionTest {

  private static final int SIZE = 1000;

  /**
   * A cache with room for four objects of SIZE (plus heads and entry overhead), full of
   * /hot0../hot3.
   */
  private static EdgeCache fullCache(Admission admission, int hotRequests) {
    EdgeCache cache = new EdgeCache(4 * (SIZE + 400), 1 << 20, admission);
    for (int i = 0; i < 4; i++) {
      EdgeCacheTest.admit(cache, "/hot" + i, i, SIZE);
      for (int r = 0; r < hotRequests; r++) {
        CachedObject hit = cache.acquire("/hot" + i);
        assertThat(hit).isNotNull();
        hit.release();
      }
    }
    cache.cleanUp();
    return cache;
  }

  @Test
  void admit_frequencyAndColdCandidate_refusedAndVictimsKept() {
    try (EdgeCache cache = fullCache(Admission.FREQUENCY, 5)) {
      CachedObject cold = EdgeCacheTest.object(cache, 9, SIZE);

      boolean admitted = cache.admit("/cold", cold);
      cold.release();
      cache.cleanUp();

      assertThat(admitted).isFalse();
      assertThat(cache.objects()).isEqualTo(4);
      assertThat(cold.freed()).isTrue();
    }
  }

  @Test
  void admit_frequencyAndCandidateMoreRequestedThanVictims_offeredToTheIndex() {
    try (EdgeCache cache = fullCache(Admission.FREQUENCY, 1)) {
      for (int r = 0;
          r < 6;
          r++) { // misses of /new before its fetch ends: counted by the fetch ...
        CachedObject o = EdgeCacheTest.object(cache, 9, SIZE);
        boolean admitted = cache.admit("/new", o);
        o.release();
        if (admitted) {
          assertThat(r)
              .isGreaterThan(0); // ... the first one ties with nothing: it has 1 request, victims 2
          return;
        }
      }
      throw new AssertionError("a candidate requested 6 times never beat victims requested twice");
    }
  }

  @Test
  void admit_frequencyPerByte_smallCandidateBeatsLargeVictimOfEqualFrequency() {
    try (EdgeCache cache =
        new EdgeCache(2 * (4 * SIZE + 400), 1 << 20, Admission.FREQUENCY_PER_BYTE)) {
      EdgeCacheTest.admit(cache, "/big0", 0, 4 * SIZE);
      EdgeCacheTest.admit(cache, "/big1", 1, 4 * SIZE);
      cache.cleanUp();
      CachedObject small = EdgeCacheTest.object(cache, 2, SIZE / 2);

      boolean admitted = cache.admit("/small", small);
      small.release();

      assertThat(admitted).isTrue(); // 1 request per 500 bytes beats 1 per 4000
    }
  }

  @Test
  void admit_tinylfu_alwaysOffered() {
    try (EdgeCache cache = fullCache(Admission.TINYLFU, 5)) {
      CachedObject cold = EdgeCacheTest.object(cache, 9, SIZE);

      assertThat(cache.admit("/cold", cold)).isTrue();
      cold.release();
      assertThat(cache.admission()).isEqualTo(Admission.TINYLFU);
    }
  }

  @Test
  void named_configNames_parseCaseInsensitively() {
    assertThat(Admission.named("Frequency-Per-Byte")).isEqualTo(Admission.FREQUENCY_PER_BYTE);
    assertThat(Admission.named(" tinylfu ")).isEqualTo(Admission.TINYLFU);
    assertThat(Admission.named("ADAPTIVE")).isEqualTo(Admission.ADAPTIVE);
    assertThatThrownBy(() -> Admission.named("lru")).hasMessageContaining("expected: tinylfu");
  }

  @Test
  void frequency_saturatesAt15AndHalves() {
    AdmissionFilter f = new AdmissionFilter(Admission.FREQUENCY, 1);
    for (int i = 0; i < 40; i++) {
      f.record("/a");
    }
    assertThat(f.frequency("/a")).isEqualTo(AdmissionFilter.MAX_COUNT);
    assertThat(f.frequency("/never")).isLessThanOrEqualTo(1);
    long period = (long) AdmissionFilter.HISTORY * 256;
    for (long i = 40; i < period; i++) {
      f.record("/other" + (i % 7));
    }
    assertThat(f.frequency("/a")).isEqualTo(AdmissionFilter.MAX_COUNT / 2);
  }
}
