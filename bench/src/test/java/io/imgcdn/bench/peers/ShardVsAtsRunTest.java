package io.imgcdn.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.bench.load.LoadResult;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Smoke run of run 2 (seconds, no timing assertions): needs Debian's trafficserver package (the CI
 * script installs it); a missing binary fails with the package to install.
 */
class ShardVsAtsRunTest {

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
  void run_smallObjectSet_bothServersAnswerOnlyHitsAndEverythingStops() throws Exception {
    assertThat(TrafficServer.unavailable()).as("trafficserver installed").isEmpty();
    ShardVsAtsRun.Options o =
        new ShardVsAtsRun.Options(
            dir.resolve("work"),
            ShardPeerKind.ATS,
            40,
            16 * 1024,
            128L << 20,
            4,
            1,
            Duration.ofSeconds(1),
            1,
            0,
            false,
            Map.of(),
            false,
            false);
    StringWriter progress = new StringWriter();
    Path report = dir.resolve("report").resolve("shard-vs-ats.md");

    ShardVsAtsRun.Result r = ShardVsAtsRun.run(o, report, new PrintWriter(progress));

    assertThat(r.labels()).containsExactly("shard #1", "ats #1");
    for (LoadResult x : r.results()) {
      assertThat(x.responses()).isPositive();
      assertThat(x.errorCount()).isZero();
      assertThat(x.bodyBytes()).isEqualTo(x.responses() * 16 * 1024);
    }
    assertThat(r.results().get(0).hitRatio("shard")).isEqualTo(1.0);
    assertThat(r.results().get(1).hitRatio("ats")).isEqualTo(1.0);
    assertThat(r.medianRatio()).isPositive();
    assertThat(r.cpuMicrosPerResponse()).hasSize(2).allMatch(us -> us > 0);
    assertThat(r.medianCpuRatio()).isPositive();
    assertThat(Files.readString(report))
        .contains("## Run 2", "| #1", "Traffic Server 9", "shard-vs-ats-latency.svg");
    assertThat(report.resolveSibling("shard-vs-ats-latency.svg")).isNotEmptyFile();
    assertThat(report.resolveSibling("shard-vs-ats-throughput.svg")).isNotEmptyFile();
    // Every process the run started (child JVM, traffic_server and its helpers) is gone, and so is
    // its work dir.
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList())
        .isEmpty();
    try (var left = Files.list(dir.resolve("work"))) {
      assertThat(left.toList()).isEmpty();
    }
  }

  @Test
  void run_coldPageCache_onePassPerSegmentAfterDroppingEachServersFiles() throws Exception {
    assertThat(TrafficServer.unavailable()).as("trafficserver installed").isEmpty();
    ShardVsAtsRun.Options o =
        new ShardVsAtsRun.Options(
            dir.resolve("work"),
            ShardPeerKind.ATS,
            40,
            16 * 1024,
            128L << 20,
            4,
            1,
            Duration.ofSeconds(2),
            1,
            0,
            false,
            Map.of(),
            true,
            false);
    Path report = dir.resolve("report").resolve("cold.md");

    ShardVsAtsRun.Result r = ShardVsAtsRun.run(o, report, new PrintWriter(new StringWriter()));

    for (LoadResult x : r.results()) {
      assertThat(x.responses()).as("one pass: each object once").isEqualTo(40);
      assertThat(x.errorCount()).isZero();
    }
    assertThat(r.results().get(0).hitRatio("shard")).isEqualTo(1.0);
    assertThat(r.results().get(1).hitRatio("ats")).isEqualTo(1.0);
    assertThat(Files.readString(report))
        .contains("cold page cache", "page cache dropped for", "shard.store.block-cache=0");
    assertThat(ProcessHandle.current().descendants().filter(ProcessHandle::isAlive).toList())
        .isEmpty();
  }
}
