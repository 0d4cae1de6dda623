package io.imgcdn.launcher.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.launcher.faults.ZipfLoad.Outcome;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.IntConsumer;
import java.util.function.Predicate;

/**
 * A Zipf load through phases in which one shard (the victim) is healthy or faulty, and the checks
 * on it: the script ShardSlowTest and ShardNetnsTest share, whatever makes the fault (a proxy,
 * nftables rules).
 */
final class VictimPhases {
  /*
   * Phase 0 runs 1000 requests. A fault phase runs at least 1500 requests and until 30 of the victim's keys
   * were answered by a shard; a healthy phase until the victim serves a hit again, then 500 requests more.
   * Nothing waits for time to pass: every phase ends on counts of outcomes, each within the phase timeout.
   *
   * A request in flight when a fault began belongs to that fault: it was sent to the victim before anyone
   * could know. So a request counts in the phase it was sent in, unless it ended in a later fault phase.
   */
  private final boolean[] fault;
  private final String victimId;
  private final Set<Integer> victimKeys;
  private final List<Outcome> outcomes;
  private final long[] phaseStart;
  private final boolean[] completed;

  private VictimPhases(
      boolean[] fault,
      String victimId,
      Set<Integer> victimKeys,
      List<Outcome> outcomes,
      long[] phaseStart,
      boolean[] completed) {
    this.fault = fault;
    this.victimId = victimId;
    this.victimKeys = victimKeys;
    this.outcomes = outcomes;
    this.phaseStart = phaseStart;
    this.completed = completed;
  }

  /**
   * Runs {@code load} through {@code fault.length} phases; {@code enter} switches the victim's
   * fault on or off for phase p before its requests are tagged p. Stops the load and returns what
   * happened.
   */
  static VictimPhases run(
      ZipfLoad load,
      boolean[] fault,
      IntConsumer enter,
      String victimId,
      Set<Integer> victimKeys,
      Duration phaseTimeout)
      throws InterruptedException {
    long[] phaseStart = new long[fault.length + 1];
    boolean[] completed = new boolean[fault.length];
    load.start();
    for (int p = 0; p < fault.length; p++) {
      int phase = p;
      enter.accept(p);
      load.phase(p);
      phaseStart[p] = System.nanoTime();
      if (p == 0) {
        completed[p] = load.awaitRequests(1_000, phaseTimeout);
      } else if (!fault[p]) {
        completed[p] =
            load.awaitOutcomes(
                    o -> o.phase() == phase && o.xCache().contains(victimId + ";hit"),
                    1,
                    phaseTimeout)
                && load.awaitRequests(500, phaseTimeout);
      } else {
        completed[p] =
            load.awaitRequests(1_500, phaseTimeout)
                && load.awaitOutcomes(
                    o ->
                        o.phase() == phase
                            && victimKeys.contains(o.key())
                            && o.xCache().contains("shard-"),
                    30,
                    phaseTimeout);
      }
    }
    phaseStart[fault.length] = System.nanoTime();
    return new VictimPhases(fault, victimId, victimKeys, load.stop(), phaseStart, completed);
  }

  /** The phase a request is accounted to: where it was sent, or the fault phase it ran into. */
  int phaseOf(Outcome o) {
    return !o.withinPhase() && fault[o.endPhase()] ? o.endPhase() : o.phase();
  }

  List<Outcome> outcomes() {
    return outcomes;
  }

  /** The outcomes accounted to phase p. */
  List<Outcome> inPhase(int p) {
    return outcomes.stream().filter(o -> phaseOf(o) == p).toList();
  }

  long phaseStart(int p) {
    return phaseStart[p];
  }

  /** One of the victim's keys, answered right by another shard. */
  boolean routedAround(Outcome o) {
    return victimKeys.contains(o.key())
        && o.ok()
        && o.xCache().contains("shard-")
        && !o.xCache().contains(victimId + ";");
  }

  /**
   * Milliseconds from the start of phase p to the first routed-around answer in it, or -1 if none.
   */
  long firstRoutedAroundMillis(int p) {
    return inPhase(p).stream()
        .filter(this::routedAround)
        .mapToLong(Outcome::endNanos)
        .min()
        .stream()
        .map(end -> (end - phaseStart[p]) / 1_000_000)
        .findFirst()
        .orElse(-1);
  }

  /** "n=... p99=..." over phase p's outcomes that {@code filter} keeps. */
  String summary(int p, Predicate<Outcome> filter) {
    return Figures.summary(
        inPhase(p).stream().filter(filter).toList(), phaseStart[p], phaseStart[p + 1]);
  }

  /**
   * The checks both tests make: every phase ran its course, no request failed or took {@code bound}
   * or longer, and every routed-around key was answered by its second candidate on {@code
   * cluster}'s ring.
   */
  void assertRoutedAroundWithin(
      Duration bound, String[] phaseNames, FaultCluster cluster, ObjectSet objects) {
    outcomes.stream()
        .filter(o -> !o.ok())
        .limit(10)
        .forEach(o -> System.out.println("FAULTS failure: " + o));
    for (int p = 0; p < fault.length; p++) {
      assertThat(completed[p])
          .as("phase %s ran its course (a healed one: the shard is used again)", phaseNames[p])
          .isTrue();
    }
    assertThat(outcomes)
        .filteredOn(o -> !o.ok())
        .as("no request fails: the next candidate answers within the deadline")
        .isEmpty();
    assertThat(outcomes)
        .allSatisfy(
            o ->
                assertThat(o.millis())
                    .as("within the edge's deadline: %s", o)
                    .isLessThan(bound.toMillis()));
    assertThat(outcomes)
        .filteredOn(this::routedAround)
        .as("the victim's keys are served by their next candidate")
        .isNotEmpty()
        .allMatch(
            o ->
                o.xCache()
                    .contains(
                        cluster.shardRing().candidates(objects.path(o.key()), 2).get(1).id()
                            + ";"));
  }
}
