package io.imgcdn.launcher.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.launcher.faults.ZipfLoad.Outcome;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, a shard slowed or partitioned: the edge reaches shard-1 through a {@link FaultProxy} that delays
 * every request by 10 s, then answers nothing at all; the edge routes around it within its deadline, and
 * uses it again when it heals.
 */
class ShardSlowTest {
  /*
   * The issue asks for network namespaces with `tc netem` delay and loss. Namespaces and veth pairs work
   * here, but this kernel has no netem qdisc ("Specified qdisc kind is unknown", and no modules to load),
   * so the delay and the silent partition are made one level up, by a proxy on the path to the shard:
   * the edge sees the same thing (a connection that answers late, or never).
   * Deadline: edge.upstream.response-timeout 2 s, edge.upstream.attempts 2, so a request may take up to
   * 4 s when both candidates time out; here only one is slow, so requests for its keys take one timeout
   * (2 s) until NodeHealth ejects it after 3 timeouts in a row, and then go straight to the next
   * candidate; one probe every ejection period (2 s) pays the timeout again.
   */
  private static final int KEYS = 200;
  private static final int VICTIM = 0;
  private static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(2);
  private static final int ATTEMPTS = 2;
  private static final String[] PHASES = {"healthy", "slow", "partitioned", "healed"};

  @TempDir Path dir;
  FaultCluster cluster;
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /**
   * Waits until, in {@code phase}, a request for one of the victim's keys waited out the edge's timeout on
   * the victim and still got its answer (the victim was tried: a first attempt, or a probe after its
   * ejection), and then 30 more of the victim's keys were answered by a shard (once ejected, straight by
   * the next candidate).
   */
  private static void awaitRoutedAround(ZipfLoad load, int phase, Set<Integer> victimKeys) throws Exception {
    assertThat(load.awaitOutcomes(o -> o.phase() == phase && victimKeys.contains(o.key()) && o.ok()
        && o.millis() >= RESPONSE_TIMEOUT.toMillis(), 1, Duration.ofSeconds(60))).as(PHASES[phase]).isTrue();
    assertThat(load.awaitOutcomes(o -> o.phase() == phase && victimKeys.contains(o.key())
        && o.xCache().contains("shard-"), 30, Duration.ofSeconds(60))).as(PHASES[phase]).isTrue();
  }

  @Test
  void slowThenSilentShard_edgeRoutesAroundWithinDeadlineThenUsesItAgain() throws Exception {
    cluster = FaultCluster.start(dir, FaultCluster.Options.inProcess(3).proxyInFrontOfShard(VICTIM)
        .edgeCacheBytes(256 << 10).settings(Map.of(
            "edge.upstream.response-timeout", RESPONSE_TIMEOUT.toMillis() + "ms",
            "edge.upstream.attempts", String.valueOf(ATTEMPTS))));
    ObjectSet objects = ObjectSet.put(cluster.s3(), "s", KEYS, 5);
    String victimId = FaultCluster.shardId(VICTIM);
    Set<Integer> victimKeys = new TreeSet<>();
    for (int k = 0; k < KEYS; k++) {
      HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(URI.create(cluster.edgeUrl() + objects.path(k)))
          .build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(r.statusCode()).isEqualTo(200);
      if (cluster.owner(objects.path(k)) == VICTIM) {
        victimKeys.add(k);
      }
    }

    List<Outcome> outcomes;
    long[] phaseStart = new long[PHASES.length + 1];
    try (ZipfLoad load = new ZipfLoad(cluster.edgeUrl(), objects, 0.9, 8, 1_000_000, Duration.ofSeconds(30))) {
      load.start();
      phaseStart[0] = System.nanoTime();
      assertThat(load.awaitRequests(1_000, Duration.ofSeconds(60))).isTrue();

      cluster.shardProxy().mode(new FaultProxy.Mode.Delay(Duration.ofSeconds(10)));
      load.phase(1);
      phaseStart[1] = System.nanoTime();
      awaitRoutedAround(load, 1, victimKeys);

      cluster.shardProxy().mode(new FaultProxy.Mode.Hang());
      load.phase(2);
      phaseStart[2] = System.nanoTime();
      awaitRoutedAround(load, 2, victimKeys);

      cluster.shardProxy().mode(new FaultProxy.Mode.Pass());
      load.phase(3);
      phaseStart[3] = System.nanoTime();
      assertThat(load.awaitOutcomes(o -> o.phase() == 3 && o.xCache().contains(victimId + ";hit"), 1,
          Duration.ofSeconds(60))).as("the edge uses the healed shard again").isTrue();
      assertThat(load.awaitRequests(500, Duration.ofSeconds(60))).isTrue();
      phaseStart[4] = System.nanoTime();
      outcomes = load.stop();
    }

    long deadlineMillis = ATTEMPTS * RESPONSE_TIMEOUT.toMillis();
    for (int p = 0; p < PHASES.length; p++) {
      int phase = p;
      List<Outcome> victim = outcomes.stream().filter(o -> o.phase() == phase && victimKeys.contains(o.key()))
          .toList();
      List<Outcome> others = outcomes.stream().filter(o -> o.phase() == phase && !victimKeys.contains(o.key()))
          .toList();
      long aroundVictim = victim.stream().filter(o -> o.ok() && o.xCache().contains("shard-")
          && !o.xCache().contains(victimId + ";")).count();
      long slowerThanTimeout = victim.stream().filter(o -> o.millis() >= RESPONSE_TIMEOUT.toMillis()).count();
      System.out.printf("FAULTS shard-slow %-11s %s's keys %s statuses %s (%d served by the next candidate, %d "
              + "waited out a timeout) | other keys %s statuses %s%n", PHASES[p], victimId,
          Figures.summary(victim, phaseStart[p], phaseStart[p + 1]), Figures.statuses(victim), aroundVictim,
          slowerThanTimeout, Figures.summary(others, phaseStart[p], phaseStart[p + 1]), Figures.statuses(others));
    }
    List<Outcome> failed = outcomes.stream().filter(o -> !o.ok()).toList();
    failed.stream().limit(10).forEach(o -> System.out.println("FAULTS shard-slow failure: " + o));

    assertThat(failed).as("no request fails while one shard is slow or silent").isEmpty();
    assertThat(outcomes).allSatisfy(o -> assertThat(o.millis()).as("within the edge's deadline: %s", o)
        .isLessThan(deadlineMillis));
    assertThat(outcomes).filteredOn(o -> o.phase() == 1 || o.phase() == 2)
        .filteredOn(o -> victimKeys.contains(o.key()))
        .as("the victim's keys are served by the next candidate")
        .anyMatch(o -> o.xCache().contains(cluster.shardRing().candidates(objects.path(o.key()), 2).get(1).id()
            + ";"));
  }
}
