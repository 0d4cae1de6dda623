package io.imgcdn.launcher.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.launcher.faults.ZipfLoad.Outcome;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, a shard slowed or partitioned: the edge reaches shard-1 through a {@link FaultProxy} that delays
 * every request far beyond the edge's deadline, or answers nothing at all; the edge routes around it within
 * its deadline with no failed request, and uses it again when it heals.
 */
class ShardSlowTest {
  /*
   * The issue asks for network namespaces with `tc netem` delay and loss. Namespaces and veth pairs work
   * here, but this kernel is built without netem (CONFIG_NET_SCH_NETEM is not set) and without module
   * support (CONFIG_MODULES is not set), so `tc qdisc add ... netem` answers "Specified qdisc kind is
   * unknown" (docs/RELIABILITY.md). The delay and the silent partition are made one level up, by a proxy
   * on the path to the shard: the edge sees the same thing (a connection that answers late, or never).
   *
   * Phases: healthy, slow, healed, partitioned, healed again. Each fault phase runs for at least 1500
   * requests and until 30 of the victim's keys were answered by a shard; each healed phase until the
   * victim serves a hit again, then 500 requests more. Requests in flight when a fault begins count in that
   * fault's phase. Nothing waits for time to pass: every phase ends on counts of outcomes.
   *
   * Edge settings: every attempt but the last is bounded by edge.upstream.response-timeout (5 s), the last
   * one by what is left of edge.upstream.deadline (20 s), so a request that meets the victim before it is
   * ejected still has 15 s for the next candidate: no request may fail. The victim's delay (60 s) is far
   * beyond the deadline, so a request that was not routed around would show up, as a 504 or as a request
   * slower than the bound.
   *
   * Timing is loose on purpose (the 2 s / 4 s of the first version failed a clean CI run at load average
   * 28 on 2 cores): the only bound on time is the deadline plus 10 s of slack, still far below the 60 s the
   * victim takes; health probes get 3 s, S3 calls 30 s. The warm-up goes to the shards directly (see there).
   * Everything else is asserted on statuses and counts.
   */
  private static final int KEYS = 200;
  private static final int VICTIM = 0;
  private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration DEADLINE = Duration.ofSeconds(20);
  private static final Duration VICTIM_DELAY = Duration.ofSeconds(60);
  private static final Duration SLACK = Duration.ofSeconds(10);
  private static final Duration WARM_UP_TIMEOUT = Duration.ofSeconds(120);
  private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(180);
  private static final int ATTEMPTS = 2;
  private static final String[] PHASES = {"healthy", "slow", "healed", "partitioned", "healed again"};

  @TempDir Path dir;
  FaultCluster cluster;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
    http.close();
  }

  /** The phase a request is accounted to: where it was sent, or the fault phase it ran into. */
  private static int faultPhase(FaultProxy.Mode[] modes, Outcome o) {
    return !o.withinPhase() && !(modes[o.endPhase()] instanceof FaultProxy.Mode.Pass) ? o.endPhase() : o.phase();
  }

  @Test
  void slowThenSilentShard_edgeRoutesAroundWithinDeadlineThenUsesItAgain() throws Exception {
    cluster = FaultCluster.start(dir, FaultCluster.Options.inProcess(3).proxyInFrontOfShard(VICTIM)
        .edgeCacheBytes(256 << 10).settings(Map.of(
            "edge.upstream.response-timeout", RESPONSE_TIMEOUT.toMillis() + "ms",
            "edge.upstream.deadline", DEADLINE.toMillis() + "ms",
            "edge.upstream.attempts", String.valueOf(ATTEMPTS),
            "edge.health.timeout", "3s",
            "origin.s3.timeout", "30s")));
    ObjectSet objects = ObjectSet.put(cluster.s3(), "s", KEYS, 5);
    String victimId = FaultCluster.shardId(VICTIM);
    Set<Integer> victimKeys = new TreeSet<>();
    // Warm-up straight into each key's owner shard, so the edge's per-attempt bound (meant for the fault) does
    // not apply to the first, cold misses: at load average 28 one of them waited 10 s for S3.
    for (int k = 0; k < KEYS; k++) {
      int owner = cluster.owner(objects.path(k));
      URI uri = URI.create("http://127.0.0.1:" + cluster.shard(owner).port() + objects.path(k));
      HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri).timeout(WARM_UP_TIMEOUT).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertThat(r.statusCode()).as("warm-up %s", uri).isEqualTo(200);
      if (owner == VICTIM) {
        victimKeys.add(k);
      }
    }
    assertThat(victimKeys).as("the victim owns some of the keys").hasSizeGreaterThan(KEYS / 10);
    Predicate<Outcome> routedAround = o -> victimKeys.contains(o.key()) && o.ok() && o.xCache().contains("shard-")
        && !o.xCache().contains(victimId + ";");

    FaultProxy.Mode[] modes = {new FaultProxy.Mode.Pass(), new FaultProxy.Mode.Delay(VICTIM_DELAY),
        new FaultProxy.Mode.Pass(), new FaultProxy.Mode.Hang(), new FaultProxy.Mode.Pass()};
    List<Outcome> outcomes;
    long[] phaseStart = new long[PHASES.length + 1];
    boolean[] completed = new boolean[PHASES.length];
    try (ZipfLoad load = new ZipfLoad(cluster.edgeUrl(), objects, 0.9, 8, 1_000_000, Duration.ofSeconds(90))) {
      load.start();
      for (int p = 0; p < PHASES.length; p++) {
        int phase = p;
        cluster.shardProxy().mode(modes[p]);
        load.phase(p);
        phaseStart[p] = System.nanoTime();
        if (p == 0) {
          completed[p] = load.awaitRequests(1_000, PHASE_TIMEOUT);
        } else if (modes[p] instanceof FaultProxy.Mode.Pass) {
          completed[p] = load.awaitOutcomes(o -> o.phase() == phase && o.xCache().contains(victimId + ";hit"), 1,
              PHASE_TIMEOUT) && load.awaitRequests(500, PHASE_TIMEOUT);
        } else {
          completed[p] = load.awaitRequests(1_500, PHASE_TIMEOUT) && load.awaitOutcomes(
              o -> o.phase() == phase && victimKeys.contains(o.key()) && o.xCache().contains("shard-"), 30,
              PHASE_TIMEOUT);
        }
      }
      phaseStart[PHASES.length] = System.nanoTime();
      outcomes = load.stop();
    }

    List<Outcome> failures = new ArrayList<>();
    for (int p = 0; p < PHASES.length; p++) {
      int phase = p;
      // A request in flight when a fault began belongs to that fault: it was sent to the victim before anyone
      // could know. So a request counts in the phase it was sent in, unless it ended in a later fault phase.
      List<Outcome> inPhase = outcomes.stream().filter(o -> faultPhase(modes, o) == phase).toList();
      long detected = inPhase.stream().filter(routedAround).mapToLong(Outcome::endNanos).min()
          .orElse(Long.MAX_VALUE);
      List<Outcome> victim = inPhase.stream().filter(o -> victimKeys.contains(o.key())).toList();
      List<Outcome> others = inPhase.stream().filter(o -> !victimKeys.contains(o.key())).toList();
      inPhase.stream().filter(o -> !o.ok()).forEach(failures::add);
      long waitedOnVictim = victim.stream().filter(o -> o.millis() >= RESPONSE_TIMEOUT.toMillis()).count();
      System.out.printf("FAULTS shard-slow %-12s %s's keys %s statuses %s, %d routed around | other keys %s "
              + "statuses %s%s%n", PHASES[p], victimId, Figures.summary(victim, phaseStart[p], phaseStart[p + 1]),
          Figures.statuses(victim), victim.stream().filter(routedAround).count(),
          Figures.summary(others, phaseStart[p], phaseStart[p + 1]), Figures.statuses(others),
          modes[p] instanceof FaultProxy.Mode.Pass ? "" : String.format(
              "; first routed around after %d ms; %d waited out the response timeout on the victim",
              (detected - phaseStart[p]) / 1_000_000, waitedOnVictim));
    }
    failures.stream().limit(10).forEach(o -> System.out.println("FAULTS shard-slow failure: " + o));

    for (int p = 0; p < PHASES.length; p++) {
      assertThat(completed[p]).as("phase %s ran its course (a healed one: the shard is used again)", PHASES[p])
          .isTrue();
    }
    assertThat(failures).as("no request fails: the next candidate answers within the deadline").isEmpty();
    long boundMillis = DEADLINE.plus(SLACK).toMillis();
    assertThat(boundMillis).isLessThan(VICTIM_DELAY.toMillis());
    assertThat(outcomes).allSatisfy(o -> assertThat(o.millis()).as("within the edge's deadline: %s", o)
        .isLessThan(boundMillis));
    assertThat(outcomes).filteredOn(routedAround)
        .as("the victim's keys are served by their next candidate")
        .isNotEmpty()
        .allMatch(o -> o.xCache().contains(cluster.shardRing().candidates(objects.path(o.key()), 2).get(1).id()
            + ";"));
  }
}
