package io.imgcdn.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.bench.BenchMainAccess;
import io.imgcdn.bench.workload.Trace;
import io.imgcdn.bench.workload.TraceFormat;
import io.imgcdn.bench.workload.Workload;
import io.imgcdn.bench.workload.WorkloadSpec;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoadCommandTest {

  @TempDir Path dir;

  @Test
  void load_traceFileWithWarmup_printsSummaryAndTiers() throws Exception {
    Workload w = Workload.generate(WorkloadSpec.defaults(2).withOriginals(40).withRequests(400));
    Path traceFile = dir.resolve("trace.txt");
    TraceFormat.write(traceFile, w);
    Path out = dir.resolve("load.md");
    try (TestServer server = new TestServer(Trace.read(traceFile))) {
      BenchMainAccess.Run run =
          BenchMainAccess.run(
              "load",
              "--target",
              server.uri().toString(),
              "--trace",
              traceFile.toString(),
              "--connections",
              "3",
              "--max-requests",
              "150",
              "--warmup-requests",
              "100",
              "--duration",
              "20s",
              "--label",
              "smoke",
              "--out",
              out.toString());

      assertThat(run.exitCode()).as(run.err()).isZero();
      assertThat(run.out())
          .contains(
              "warm-up: 100 responses, 0 errors",
              "| smoke | closed |     3 |       150 |",
              "| smoke | edge  |",
              "| smoke | shard |",
              "Served from some cache:");
      assertThat(server.requests.get()).isEqualTo(250);
      assertThat(Files.readString(out, StandardCharsets.UTF_8))
          .startsWith(run.out().substring(run.out().indexOf("## Load")))
          .contains("](load-latency.svg)");
      assertThat(Files.readString(dir.resolve("load-latency.svg"), StandardCharsets.UTF_8))
          .contains(">smoke</text>");
      assertThat(Files.readString(dir.resolve("load-throughput.svg"), StandardCharsets.UTF_8))
          .contains("<rect x=");
    }
  }

  @Test
  void load_errors_exitCode2() throws Exception {
    Path traceFile = dir.resolve("errors.txt");
    Files.writeString(traceFile, "/status/500/a 0\n", StandardCharsets.UTF_8);
    try (TestServer server = new TestServer(Trace.read(traceFile))) {
      BenchMainAccess.Run run =
          BenchMainAccess.run(
              "load",
              "--target",
              server.uri().toString(),
              "--trace",
              traceFile.toString(),
              "--connections",
              "1",
              "--max-requests",
              "3",
              "--rate",
              "100");

      assertThat(run.exitCode()).isEqualTo(2);
      assertThat(run.out()).contains("| 5xx=3 ", "open 100/s");
    }
  }
}
