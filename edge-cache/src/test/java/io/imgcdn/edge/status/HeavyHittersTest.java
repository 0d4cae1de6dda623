package io.imgcdn.edge.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class HeavyHittersTest {

  @Test
  void add_fewerKeysThanCounters_exactCountsAndBytesMostRequestedFirst() {
    HeavyHitters h = new HeavyHitters(8);
    for (int i = 0; i < 5; i++) {
      h.add("/a", 100);
    }
    for (int i = 0; i < 3; i++) {
      h.add("/b", 10);
    }
    h.add("/c", 1);
    assertThat(h.entries())
        .containsExactly(
            new HeavyHitters.Entry("/a", 5, 0, 500),
            new HeavyHitters.Entry("/b", 3, 0, 30),
            new HeavyHitters.Entry("/c", 1, 0, 1));
    assertThat(h.total()).isEqualTo(9);
  }

  @Test
  void add_skewedStreamOverManyKeys_spaceSavingGuaranteesHold() {
    // Zipf-like stream over 5,000 keys into 64 counters: every key above n/64 must be monitored,
    // and each
    // monitored count must bound the truth from above with count - error from below.
    int capacity = 64;
    HeavyHitters h = new HeavyHitters(capacity);
    Map<String, Long> truth = new HashMap<>();
    SplittableRandom random = new SplittableRandom(42);
    int n = 200_000;
    for (int i = 0; i < n; i++) {
      int rank = (int) Math.floor(Math.pow(5_000, random.nextDouble())); // log-uniform: heavy head
      String key = "/k" + rank;
      truth.merge(key, 1L, Long::sum);
      h.add(key, rank);
    }
    List<HeavyHitters.Entry> entries = h.entries();
    assertThat(entries).hasSize(capacity);
    assertThat(entries).extracting(HeavyHitters.Entry::key).doesNotHaveDuplicates();
    assertThat(h.total()).isEqualTo(n);
    assertThat(entries.stream().mapToLong(HeavyHitters.Entry::count).sum()).isEqualTo(n);
    for (HeavyHitters.Entry e : entries) {
      long t = truth.get(e.key());
      assertThat(e.count()).as(e.key()).isGreaterThanOrEqualTo(t);
      assertThat(e.count() - e.error()).as(e.key()).isLessThanOrEqualTo(t);
    }
    truth.forEach(
        (key, t) -> {
          if (t > n / capacity) {
            assertThat(entries)
                .as("heavy key " + key + " with " + t)
                .anyMatch(e -> e.key().equals(key));
          }
        });
    assertThat(entries.get(0).key()).isEqualTo("/k1");
  }

  @Test
  void add_tinySummaryRandomStream_invariantsHoldAfterEveryRequest() {
    HeavyHitters h = new HeavyHitters(3);
    Map<String, Long> truth = new HashMap<>();
    SplittableRandom random = new SplittableRandom(7);
    for (int i = 1; i <= 20_000; i++) {
      String key = "/" + random.nextInt(10);
      truth.merge(key, 1L, Long::sum);
      h.add(key, 1);
      List<HeavyHitters.Entry> entries = h.entries();
      assertThat(entries.size()).isEqualTo(Math.min(3, truth.size()));
      assertThat(entries).extracting(HeavyHitters.Entry::key).doesNotHaveDuplicates().contains(key);
      assertThat(entries.stream().mapToLong(HeavyHitters.Entry::count).sum()).isEqualTo(i);
      for (HeavyHitters.Entry e : entries) {
        assertThat(e.count()).isGreaterThanOrEqualTo(truth.get(e.key()));
        assertThat(e.count() - e.error()).isLessThanOrEqualTo(truth.get(e.key()));
      }
    }
  }

  @Test
  void clear_afterUse_startsOverWithTheSameCapacity() {
    HeavyHitters h = new HeavyHitters(2);
    h.add("/a", 1);
    h.add("/b", 1);
    h.add("/c", 1);
    h.clear();
    assertThat(h.entries()).isEmpty();
    assertThat(h.total()).isZero();
    h.add("/d", 7);
    h.add("/d", 7);
    assertThat(h.entries()).containsExactly(new HeavyHitters.Entry("/d", 2, 0, 14));
  }

  @Test
  void add_keyEvicted_takesTheMinimumCountAsError() {
    HeavyHitters h = new HeavyHitters(2);
    h.add("/a", 1);
    h.add("/a", 1);
    h.add("/b", 1);
    h.add("/c", 5); // replaces /b (count 1): count 2, error 1, bytes from now on
    assertThat(h.entries())
        .containsExactlyInAnyOrder(
            new HeavyHitters.Entry("/a", 2, 0, 2), new HeavyHitters.Entry("/c", 2, 1, 5));
  }

  @Test
  void constructor_zeroCapacity_fails() {
    assertThatThrownBy(() -> new HeavyHitters(0)).hasMessageContaining("capacity: 0");
  }
}
