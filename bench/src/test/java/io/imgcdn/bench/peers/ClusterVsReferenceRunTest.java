package io.imgcdn.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.bench.load.LoadResult;
import io.imgcdn.bench.workload.WorkloadSpec;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Smoke run of run 3 (seconds, no timing assertions): needs Debian's nginx and trafficserver
 * packages (the CI script installs them).
 */
class ClusterVsReferenceRunTest {

  @TempDir Path dir;

  @BeforeAll
  static void quickChildJvm() {
    // C1 only: the child JVM starts sooner on a busy 2-core machine; its speed does not matter
    // here.
    System.setProperty(ImgcdnCluster.JVM_OPTIONS_PROPERTY, "-XX:TieredStopAtLevel=1");
  }

  @AfterAll
  static void defaultChildJvm() {
    System.clearProperty(ImgcdnCluster.JVM_OPTIONS_PROPERTY);
  }

  @Test
  void run_tinyWorkload_bothClustersServeFromTheirTiersAndEverythingStops() throws Exception {
    assertThat(TrafficServer.unavailable()).as("trafficserver installed").isEmpty();
    assertThat(Nginx.unavailable()).as("nginx installed").isEmpty();
    WorkloadSpec ws = WorkloadSpec.defaults(3).withOriginals(40).withRequests(20_000);
    ClusterVsReferenceRun.Options o =
        new ClusterVsReferenceRun.Options(
            dir.resolve("work"),
            ShardPeerKind.ATS,
            ws,
            1_000,
            Duration.ofSeconds(60),
            8L << 20,
            128L << 20,
            4,
            1,
            Duration.ofSeconds(1),
            1,
            false);
    StringWriter progress = new StringWriter();
    Path report = dir.resolve("cluster-vs-reference.md");

    ClusterVsReferenceRun.Result r =
        ClusterVsReferenceRun.run(o, report, new PrintWriter(progress));

    assertThat(r.labels())
        .containsExactly("imgcdn warm-up", "reference warm-up", "imgcdn #1", "reference #1");
    for (LoadResult x : r.results()) {
      assertThat(x.responses()).isPositive();
      assertThat(x.errorCount()).isZero();
    }
    assertThat(r.cpuMicrosPerResponse()).hasSize(4).allMatch(us -> us > 0);
    LoadResult ours = r.results().get(2);
    LoadResult ref = r.results().get(3);
    // Each request went through the front of its own cluster, and the fronts had the warm-up's
    // popular objects.
    assertThat(ours.tiers()).containsKey("edge").doesNotContainKeys("nginx", "ats");
    assertThat(ref.tiers()).containsKey("nginx").doesNotContainKeys("edge", "shard");
    assertThat(ours.hitRatio("edge")).isPositive();
    assertThat(ref.hitRatio("nginx")).isPositive();
    // A shard-tier verdict appears only on front misses (nginx must not repeat a stored chain on
    // its hits).
    long refShardVerdicts =
        ref.tiers().getOrDefault("ats", java.util.Map.of()).values().stream()
            .mapToLong(Long::longValue)
            .sum();
    assertThat(refShardVerdicts).isLessThan(ref.responses());
    assertThat(Files.readString(report))
        .contains("## Run 3", "imgcdn #1", "reference #1", "nginx version");
    assertThat(report.resolveSibling("cluster-vs-reference-latency.svg")).isNotEmptyFile();
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList())
        .isEmpty();
    try (var left = Files.list(dir.resolve("work"))) {
      assertThat(left.toList()).isEmpty();
    }
  }
}
