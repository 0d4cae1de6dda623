package io.imgcdn.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.bench.BenchMainAccess;
import io.imgcdn.bench.workload.Trace;
import io.imgcdn.bench.workload.TraceFormat;
import io.imgcdn.bench.workload.Workload;
import io.imgcdn.bench.workload.WorkloadSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WrkCommandTest {

  @TempDir Path dir;

  private Path traceFile() throws IOException {
    Path f = dir.resolve("trace.txt");
    TraceFormat.write(
        f, Workload.generate(WorkloadSpec.defaults(4).withOriginals(30).withRequests(200)));
    return f;
  }

  private static boolean wrkInstalled() {
    try {
      Process p = new ProcessBuilder("wrk", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      p.waitFor();
      return true;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Test
  void wrk_script_readsTraceWithThreadStride() throws IOException {
    Path trace = traceFile();
    Path script = dir.resolve("replay.lua");

    BenchMainAccess.Run run =
        BenchMainAccess.run(
            "wrk",
            "--trace",
            trace.toString(),
            "--script",
            script.toString(),
            "--threads",
            "2",
            "--x-cache");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .contains("run: wrk -t2 -c16 -d10s --latency -s " + script.toAbsolutePath());
    assertThat(Files.readString(script, StandardCharsets.UTF_8))
        .contains(
            "local trace_file = \"" + trace.toAbsolutePath() + "\"",
            "local thread_count = 2",
            "local count_x_cache = true",
            "next_index = next_index + thread_count");
  }

  @Test
  void wrk_missingExecutable_exit127WithHint() throws IOException {
    BenchMainAccess.Run run =
        BenchMainAccess.run(
            "wrk",
            "--trace",
            traceFile().toString(),
            "--script",
            dir.resolve("s.lua").toString(),
            "--run",
            "--target",
            "http://127.0.0.1:1",
            "--wrk",
            dir.resolve("no-wrk").toString());

    assertThat(run.exitCode()).isEqualTo(127);
    assertThat(run.err()).contains("apt-get install wrk");
  }

  /**
   * Runs Debian's wrk against a real server when it is installed; else checks the not-installed
   * path.
   */
  @Test
  void wrk_runAgainstServer_replaysTracePathsAndCountsVerdicts() throws Exception {
    Path trace = traceFile();
    try (TestServer server = new TestServer(Trace.read(trace))) {
      BenchMainAccess.Run run =
          BenchMainAccess.run(
              "wrk",
              "--trace",
              trace.toString(),
              "--script",
              dir.resolve("r.lua").toString(),
              "--threads",
              "2",
              "--connections",
              "2",
              "--duration",
              "3s",
              "--x-cache",
              "--run",
              "--target",
              server.uri().toString());

      if (!wrkInstalled()) {
        assertThat(run.exitCode()).isEqualTo(127);
        return;
      }
      assertThat(run.exitCode()).as(run.out()).isZero();
      Matcher m = Pattern.compile("imgcdn-wrk: requests=(\\d+) ").matcher(run.out());
      assertThat(m.find()).as(run.out()).isTrue();
      long requests = Long.parseLong(m.group(1));
      assertThat(requests).isPositive();
      assertThat(run.out()).contains("imgcdn-wrk-tier: edge ");
      assertThat(server.unknownPaths.get()).isZero();
      assertThat(server.requests.get()).isGreaterThanOrEqualTo(requests);
    }
  }
}
