package io.imgcdn.launcher.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.launcher.faults.ZipfLoad.Outcome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, a shard slowed or partitioned: the edge reaches shard-1 through a {@link FaultProxy}
 * that delays every request far beyond the edge's deadline, or answers nothing at all; the edge
 * routes around it within its deadline with no failed request, and uses it again when it heals.
 */
class ShardSlowTest {
  /*
   * The issue asks for network namespaces with `tc netem` delay and loss. Namespaces and veth pairs work
   * here, but this kernel is built without netem (CONFIG_NET_SCH_NETEM is not set) and without module
   * support (CONFIG_MODULES is not set), so `tc qdisc add ... netem` answers "Specified qdisc kind is
   * unknown" (bench/results/2026-11-reliability.md). The delay and the silent partition are made
   * one level up, by a proxy on the path to the shard: the edge sees the same thing (a connection
   * that answers late, or never).
   *
   * Phases (the script is VictimPhases, shared with ShardNetnsTest): healthy, slow, healed, partitioned,
   * healed again. Each fault phase runs for at least 1500 requests and until 30 of the victim's keys were
   * answered by a shard; each healed phase until the victim serves a hit again, then 500 requests more.
   * Requests in flight when a fault begins count in that fault's phase. Nothing waits for time to pass:
   * every phase ends on counts of outcomes.
   *
   * Edge settings: every attempt but the last is bounded by edge.upstream.response-timeout (5 s), the last
   * one by what is left of edge.upstream.deadline (20 s), so a request that meets the victim before it is
   * ejected still has 15 s for the next candidate: no request may fail. The victim's delay (60 s) is far
   * beyond the deadline, so a request that was not routed around would show up, as a 504 or as a request
   * slower than the bound.
   *
   * Timing is loose on purpose (the 2 s / 4 s of the first version failed a clean CI run at load average
   * 28 on 2 cores): the only bound on time is the deadline plus 10 s of slack, still far below the 60 s the
   * victim takes; health probes get 3 s, S3 calls 30 s. The warm-up goes to the shards directly
   * (FaultCluster.warmOwners).
   * Everything else is asserted on statuses and counts.
   */
  private static final int KEYS = 200;
  private static final int VICTIM = 0;
  private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration DEADLINE = Duration.ofSeconds(20);
  private static final Duration VICTIM_DELAY = Duration.ofSeconds(60);
  private static final Duration SLACK = Duration.ofSeconds(10);
  private static final Duration PHASE_TIMEOUT = Duration.ofMinutes(3);
  private static final int ATTEMPTS = 2;
  private static final String[] PHASES = {
    "healthy", "slow", "healed", "partitioned", "healed again"
  };

  @TempDir Path dir;
  FaultCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void slowThenSilentShard_edgeRoutesAroundWithinDeadlineThenUsesItAgain() throws Exception {
    cluster =
        FaultCluster.start(
            dir,
            FaultCluster.Options.inProcess(3)
                .proxyInFrontOfShard(VICTIM)
                .edgeCacheBytes(256 << 10)
                .settings(
                    Map.of(
                        "edge.upstream.response-timeout",
                        RESPONSE_TIMEOUT.toMillis() + "ms",
                        "edge.upstream.deadline",
                        DEADLINE.toMillis() + "ms",
                        "edge.upstream.attempts",
                        String.valueOf(ATTEMPTS),
                        "edge.health.timeout",
                        "3s",
                        "origin.s3.timeout",
                        "30s")));
    ObjectSet objects = ObjectSet.put(cluster.s3(), "s", KEYS, 5);
    String victimId = FaultCluster.shardId(VICTIM);
    Set<Integer> victimKeys = cluster.warmOwners(objects, VICTIM);
    assertThat(victimKeys).as("the victim owns some of the keys").hasSizeGreaterThan(KEYS / 10);

    FaultProxy.Mode[] modes = {
      new FaultProxy.Mode.Pass(),
      new FaultProxy.Mode.Delay(VICTIM_DELAY),
      new FaultProxy.Mode.Pass(),
      new FaultProxy.Mode.Hang(),
      new FaultProxy.Mode.Pass()
    };
    boolean[] fault = new boolean[modes.length];
    for (int p = 0; p < modes.length; p++) {
      fault[p] = !(modes[p] instanceof FaultProxy.Mode.Pass);
    }
    VictimPhases run;
    try (ZipfLoad load =
        new ZipfLoad(cluster.edgeUrl(), objects, 0.9, 8, 1_000_000, Duration.ofSeconds(90))) {
      run =
          VictimPhases.run(
              load,
              fault,
              p -> cluster.shardProxy().mode(modes[p]),
              victimId,
              victimKeys,
              PHASE_TIMEOUT);
    }

    for (int p = 0; p < PHASES.length; p++) {
      List<Outcome> victim =
          run.inPhase(p).stream().filter(o -> victimKeys.contains(o.key())).toList();
      List<Outcome> others =
          run.inPhase(p).stream().filter(o -> !victimKeys.contains(o.key())).toList();
      long waitedOnVictim =
          victim.stream().filter(o -> o.millis() >= RESPONSE_TIMEOUT.toMillis()).count();
      System.out.printf(
          "FAULTS shard-slow %-12s %s's keys %s statuses %s, %d routed around | other keys %s "
              + "statuses %s%s%n",
          PHASES[p],
          victimId,
          run.summary(p, o -> victimKeys.contains(o.key())),
          Figures.statuses(victim),
          victim.stream().filter(run::routedAround).count(),
          run.summary(p, o -> !victimKeys.contains(o.key())),
          Figures.statuses(others),
          fault[p]
              ? String.format(
                  "; first routed around after %d ms; %d waited out the response timeout",
                  run.firstRoutedAroundMillis(p), waitedOnVictim)
              : "");
    }

    assertThat(DEADLINE.plus(SLACK)).isLessThan(VICTIM_DELAY);
    run.assertRoutedAroundWithin(DEADLINE.plus(SLACK), PHASES, cluster, objects);
  }
}
