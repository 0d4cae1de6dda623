package io.imgcdn.hashring;

import static io.imgcdn.hashring.NodeLocatorContractTest.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link NodeLocator#owner(String, java.util.function.ToLongFunction, double,
 * java.util.function.Predicate)}.
 */
class BoundedLoadsTest {

  @ParameterizedTest
  @EnumSource(Placement.class)
  void owner_equalLoads_plainOwner(Placement placement) {
    NodeLocator ring = HashRings.create(placement, BalanceTest.equalNodes(10));
    for (int i = 0; i < 2000; i++) {
      assertThat(ring.owner(key(i), n -> 7, 0.25, n -> true)).containsSame(ring.owner(key(i)));
      assertThat(ring.owner(key(i), n -> 0, 0.01, n -> true)).containsSame(ring.owner(key(i)));
    }
  }

  /**
   * The hot-picture scenario: Zipf(1.0) requests over 1,000 pictures that never complete. Without
   * bounds the hottest picture's owner takes a multiple of the mean; with epsilon = 0.25 no node
   * ever exceeds ceil(1.25 x mean), counting the request being placed.
   */
  @ParameterizedTest
  @EnumSource(Placement.class)
  void owner_hotKeys_noNodeAboveOnePlusEpsilonTimesMean(Placement placement) {
    int n = 10;
    double epsilon = 0.25;
    NodeLocator ring = HashRings.create(placement, BalanceTest.equalNodes(n));
    Map<Node, Long> bounded = new HashMap<>();
    Map<Node, Long> plain = new HashMap<>();
    SplittableRandom random = new SplittableRandom(3);
    double[] cumulative = zipf(1000, 1.0);
    for (int request = 1; request <= 5000; request++) {
      String picture = key(pick(cumulative, random.nextDouble()));
      Node node =
          ring.owner(picture, m -> bounded.getOrDefault(m, 0L), epsilon, m -> true).orElseThrow();
      bounded.merge(node, 1L, Long::sum);
      plain.merge(ring.owner(picture), 1L, Long::sum);
      long max = bounded.values().stream().mapToLong(Long::longValue).max().orElseThrow();
      assertThat(max).isLessThanOrEqualTo((long) Math.ceil((1 + epsilon) * request / n));
    }
    long plainMax = plain.values().stream().mapToLong(Long::longValue).max().orElseThrow();
    assertThat(plainMax)
        .as("the workload is skewed enough to matter")
        .isGreaterThan(5000 * 125 / 100 / n);
  }

  @ParameterizedTest
  @EnumSource(Placement.class)
  void owner_ownerOverloaded_nextCandidateUnderCapacity(Placement placement) {
    NodeLocator ring = HashRings.create(placement, BalanceTest.equalNodes(5));
    for (int i = 0; i < 500; i++) {
      List<Node> candidates = ring.candidates(key(i), 5);
      Node hot = candidates.get(0);
      // Owner carries 10, the others 1: total 14, capacity ceil(1.5 * 15 / 5) = 5.
      assertThat(ring.owner(key(i), m -> m.equals(hot) ? 10 : 1, 0.5, m -> true))
          .containsSame(candidates.get(1));
      Node down = candidates.get(1);
      assertThat(ring.owner(key(i), m -> m.equals(hot) ? 10 : 1, 0.5, m -> !m.equals(down)))
          .containsSame(candidates.get(2));
    }
  }

  @ParameterizedTest
  @EnumSource(Placement.class)
  void owner_weightTwo_doubleCapacity(Placement placement) {
    Node heavy = new Node("heavy", "10.0.0.1:1", 2);
    Node light = new Node("light", "10.0.0.2:1", 1);
    NodeLocator ring = HashRings.create(placement, List.of(heavy, light));
    // Loads 5 and 3: total 8, capacities ceil(1.1 * 9 * 2/3) = 7 and ceil(1.1 * 9 / 3) = 4.
    for (int i = 0; i < 200; i++) {
      Node owner = ring.owner(key(i));
      assertThat(ring.owner(key(i), m -> m.equals(heavy) ? 5 : 3, 0.1, m -> true))
          .containsSame(owner);
    }
  }

  @ParameterizedTest
  @EnumSource(Placement.class)
  void owner_noNodeUpOrEmptyRing_empty(Placement placement) {
    assertThat(
            HashRings.create(placement, BalanceTest.equalNodes(4))
                .owner("k", m -> 1, 0.25, m -> false))
        .isEmpty();
    assertThat(HashRings.create(placement, List.of()).owner("k", m -> 1, 0.25, m -> true))
        .isEmpty();
  }

  @ParameterizedTest
  @ValueSource(doubles = {0, -0.5, Double.NaN, Double.POSITIVE_INFINITY})
  void owner_badEpsilon_failsNamingTheValue(double epsilon) {
    NodeLocator ring = HashRings.ketama(BalanceTest.equalNodes(3));
    assertThatThrownBy(() -> ring.owner("k", m -> 0, epsilon, m -> true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("epsilon: " + epsilon + " (expected: > 0 and finite)");
  }

  @ParameterizedTest
  @EnumSource(Placement.class)
  void owner_negativeLoads_countAsIdle(Placement placement) {
    NodeLocator ring = HashRings.create(placement, BalanceTest.equalNodes(6));
    for (int i = 0; i < 200; i++) {
      assertThat(ring.owner(key(i), m -> -3, 0.25, m -> true)).containsSame(ring.owner(key(i)));
    }
  }

  private static double[] zipf(int items, double exponent) {
    double[] cumulative = new double[items];
    double sum = 0;
    for (int i = 0; i < items; i++) {
      sum += 1 / Math.pow(i + 1, exponent);
      cumulative[i] = sum;
    }
    for (int i = 0; i < items; i++) {
      cumulative[i] /= sum;
    }
    return cumulative;
  }

  private static int pick(double[] cumulative, double u) {
    int i = java.util.Arrays.binarySearch(cumulative, u);
    return Math.min(cumulative.length - 1, i >= 0 ? i : -i - 1);
  }
}
