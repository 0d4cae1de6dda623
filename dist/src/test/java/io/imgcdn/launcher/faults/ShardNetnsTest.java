package io.imgcdn.launcher.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.launcher.faults.ZipfLoad.Outcome;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, a shard behind a lossy or partitioned network: shard-1 runs in a child JVM inside a
 * network namespace the test creates, reached over a veth pair; nftables in the namespace drops a
 * quarter of the packets, then all of them. The edge routes around it within its deadline with no
 * failed request, and uses it again when the network heals.
 */
class ShardNetnsTest {
  /*
   * What ShardSlowTest cannot show with its proxy: real packet loss (TCP retransmits, SYNs lost so connects
   * time out) and a partition in which connects time out rather than being refused or answered late. The
   * issue asks for `tc netem`; this kernel has none (bench/results/2026-11-reliability.md), so loss
   * and partition are nftables rules (NetnsLink). A fixed delay still needs netem and stays with
   * ShardSlowTest's proxy.
   *
   * Layout: the edge, the other two shards and the origin run in this JVM on 127.0.0.1, except that the
   * origin binds the root end of the veth (10.213.x.y+1) so the victim can reach it; the victim binds its
   * namespace address and is started with `ip netns exec <ns> java ...`.
   *
   * Phases and settings follow ShardSlowTest (see there for why the timings are this loose), and so does the
   * script (VictimPhases): healthy, loss (25% of the packets each way), healed, partitioned, healed again.
   * Every attempt but the last is bounded by the response timeout (5 s) and a connect by
   * edge.upstream.connect-timeout (500 ms, the default), the whole request by the deadline (20 s): a request
   * that meets the silent or lossy victim still has time for the next candidate, so no request may fail
   * (measured: none did, in 3 runs up to load average 18), and none may take longer than the deadline plus
   * 10 s of slack.
   */
  private static final int KEYS = 200;
  private static final int VICTIM = 0;
  private static final int LOSS_PERCENT = 25;
  private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration DEADLINE = Duration.ofSeconds(20);
  private static final Duration SLACK = Duration.ofSeconds(10);
  private static final Duration PHASE_TIMEOUT = Duration.ofMinutes(3);
  private static final String[] PHASES = {
    "healthy", "loss " + LOSS_PERCENT + "%", "healed", "partitioned", "healed again"
  };
  private static final boolean[] FAULT = {false, true, false, true, false};

  @TempDir Path dir;
  NetnsLink link;
  FaultCluster cluster;

  @AfterEach
  void stop() {
    // The victim first, by pid (SIGKILL): a process left inside keeps the namespace alive after its
    // deletion.
    if (cluster != null && cluster.shard(VICTIM) instanceof NodeProcess victim) {
      victim.kill();
    }
    if (cluster != null) {
      cluster.close();
    }
    if (link != null) {
      link.close();
    }
  }

  @AfterAll
  static void deleteLeftNamespaces() {
    NetnsLink.deleteAll();
  }

  private void network(int phase) {
    switch (phase) {
      case 1 -> link.loss(LOSS_PERCENT);
      case 3 -> link.partition();
      default -> link.pass();
    }
  }

  @Test
  void lossyThenPartitionedShard_edgeRoutesAroundWithinDeadlineThenUsesItAgain() throws Exception {
    link = NetnsLink.create();
    cluster =
        FaultCluster.start(
            dir,
            FaultCluster.Options.inProcess(3)
                .shardInNamespace(VICTIM, link)
                .edgeCacheBytes(256 << 10)
                .settings(
                    Map.of(
                        "edge.upstream.response-timeout", RESPONSE_TIMEOUT.toMillis() + "ms",
                        "edge.upstream.deadline", DEADLINE.toMillis() + "ms",
                        "edge.upstream.attempts", "2",
                        "edge.health.timeout", "3s",
                        "origin.s3.timeout", "30s")));
    NodeProcess victim = (NodeProcess) cluster.shard(VICTIM);
    assertThat(ProcessHandle.of(victim.pid()).flatMap(h -> h.info().command()).orElse(""))
        .as("ip netns exec ran java in place, so the pid is the JVM's")
        .endsWith("java");
    ObjectSet objects = ObjectSet.put(cluster.s3(), "n", KEYS, 9);
    String victimId = FaultCluster.shardId(VICTIM);
    // The victim fetches its keys from the origin over the veth: the namespace's network works both
    // ways.
    Set<Integer> victimKeys = cluster.warmOwners(objects, VICTIM);
    assertThat(victimKeys).as("the victim owns some of the keys").hasSizeGreaterThan(KEYS / 10);

    long[] dropped = new long[PHASES.length];
    VictimPhases run;
    try (ZipfLoad load =
        new ZipfLoad(cluster.edgeUrl(), objects, 0.9, 8, 1_000_000, Duration.ofSeconds(90))) {
      run =
          VictimPhases.run(
              load,
              FAULT,
              p -> {
                if (p > 0) {
                  dropped[p - 1] = link.droppedPackets();
                }
                network(p);
              },
              victimId,
              victimKeys,
              PHASE_TIMEOUT);
      dropped[PHASES.length - 1] = link.droppedPackets();
    } finally {
      link.pass();
    }

    long[] victimServed = new long[PHASES.length];
    long[] routed = new long[PHASES.length];
    for (int p = 0; p < PHASES.length; p++) {
      List<Outcome> inPhase = run.inPhase(p);
      List<Outcome> victimKeyOutcomes =
          inPhase.stream().filter(o -> victimKeys.contains(o.key())).toList();
      victimServed[p] =
          victimKeyOutcomes.stream()
              .filter(o -> o.ok() && o.xCache().contains(victimId + ";"))
              .count();
      routed[p] = victimKeyOutcomes.stream().filter(run::routedAround).count();
      long waited =
          victimKeyOutcomes.stream().filter(o -> o.millis() >= RESPONSE_TIMEOUT.toMillis()).count();
      long firstRouted = run.firstRoutedAroundMillis(p);
      System.out.printf(
          "FAULTS shard-netns %-12s requests %d failed %d | %s's keys %s statuses %s, served by it "
              + "%d, routed around %d, >= 1 s %d | other keys %s statuses %s%s%n",
          PHASES[p],
          inPhase.size(),
          inPhase.stream().filter(o -> !o.ok()).count(),
          victimId,
          run.summary(p, o -> victimKeys.contains(o.key())),
          Figures.statuses(victimKeyOutcomes),
          victimServed[p],
          routed[p],
          victimKeyOutcomes.stream().filter(o -> o.millis() >= 1_000).count(),
          run.summary(p, o -> !victimKeys.contains(o.key())),
          Figures.statuses(inPhase.stream().filter(o -> !victimKeys.contains(o.key())).toList()),
          FAULT[p]
              ? String.format(
                  "; first routed around after %s; %d waited out the response timeout; "
                      + "%d packets dropped",
                  firstRouted < 0 ? "never" : firstRouted + " ms", waited, dropped[p])
              : "");
    }

    run.assertRoutedAroundWithin(DEADLINE.plus(SLACK), PHASES, cluster, objects);
    assertThat(dropped[1]).as("packets dropped by the loss rules").isPositive();
    assertThat(dropped[3]).as("packets dropped by the partition").isPositive();
    assertThat(routed[3])
        .as("the victim's keys are served by another shard during the partition")
        .isPositive();
    assertThat(victimServed[4])
        .as("the victim serves again after the partition heals")
        .isPositive();
    assertThat(cluster.childLeakReports()).as("Netty leak reports of the shard process").isEmpty();
  }
}
