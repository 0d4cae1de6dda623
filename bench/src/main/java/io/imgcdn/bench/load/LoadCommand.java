package io.imgcdn.bench.load;

import io.imgcdn.bench.report.LoadReport;
import io.imgcdn.bench.report.Reports;
import io.imgcdn.bench.workload.Trace;
import io.imgcdn.bench.workload.Workload;
import io.imgcdn.bench.workload.WorkloadOptions;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code load}: replays a trace against HTTP targets and reports throughput, latency, errors and
 * hit ratios.
 */
@Command(
    name = "load",
    description = "HTTP load: replay a trace (closed loop, or open loop with --rate).")
public final class LoadCommand implements Callable<Integer> {

  @Mixin WorkloadOptions workload;

  @Option(
      names = "--target",
      required = true,
      description = "Base URI, e.g. http://127.0.0.1:8080 (repeat for several).")
  List<URI> targets;

  @Option(
      names = "--trace",
      description = "Trace file to replay (default: generate one from the workload options).")
  Path trace;

  @Option(
      names = "--connections",
      defaultValue = "16",
      description = "Keep-alive connections (default: ${DEFAULT-VALUE}).")
  int connections;

  @Option(
      names = "--rate",
      defaultValue = "0",
      description = "Open loop: requests per second; 0 = closed loop (default: ${DEFAULT-VALUE}).")
  double rate;

  @Option(
      names = "--max-requests",
      defaultValue = "1000000",
      description = "Stop after this many requests (default: ${DEFAULT-VALUE}).")
  long maxRequests;

  @Option(
      names = "--duration",
      defaultValue = "30s",
      converter = DurationConverter.class,
      description = "Stop sending after this long (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(
      names = "--timeout",
      defaultValue = "5s",
      converter = DurationConverter.class,
      description = "Request timeout (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  @Option(
      names = "--connect-timeout",
      defaultValue = "2s",
      converter = DurationConverter.class,
      description = "Connect timeout (default: ${DEFAULT-VALUE}).")
  Duration connectTimeout;

  @Option(
      names = "--threads",
      defaultValue = "1",
      description = "Client event-loop threads (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(
      names = "--warmup-requests",
      defaultValue = "0",
      description =
          "First replay this many requests (closed loop, not reported); the run continues from"
              + " there.")
  long warmupRequests;

  @Option(names = "--host", description = "Host header (default: the target's host:port).")
  String host;

  @Option(
      names = "--label",
      defaultValue = "run",
      description = "Name of this run in the report (default: ${DEFAULT-VALUE}).")
  String label;

  @Option(
      names = "--out",
      description = "Write the report (Markdown) here, and its plots (SVG) next to it.")
  Path out;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    Trace t = trace != null ? Trace.read(trace) : Trace.of(Workload.generate(workload.spec()));
    LoadSpec base =
        new LoadSpec(
            targets,
            t,
            0,
            connections,
            0,
            Math.max(1, warmupRequests),
            duration,
            timeout,
            connectTimeout,
            threads,
            host);
    if (warmupRequests > 0) {
      LoadResult warm = LoadGenerator.run(base);
      stdout.printf(
          "warm-up: %d responses, %d errors in %.1f s%n",
          warm.responses(), warm.errorCount(), warm.seconds());
    }
    LoadResult r =
        LoadGenerator.run(
            base.withTraceOffset(warmupRequests).withRate(rate).withMaxRequests(maxRequests));
    String report = report(label, r);
    stdout.print(report);
    stdout.flush();
    if (out != null) {
      Reports.writeLoad(out, report, List.of(label), List.of(r));
    }
    return r.errorCount() == 0 ? 0 : 2;
  }

  static String report(String label, LoadResult r) {
    StringBuilder sb = new StringBuilder("## Load: ").append(label).append("\n\n");
    sb.append(
        String.format(
            java.util.Locale.ROOT,
            "Targets %s; %d connections, %d client threads; %s; at most %d requests and %s; trace"
                + " of %d requests from offset %d.%n%n",
            r.spec().targets(),
            r.spec().connections(),
            r.spec().threads(),
            r.spec().openLoop()
                ? "open loop at "
                    + r.spec().ratePerSecond()
                    + " req/s (latency from the intended send time)"
                : "closed loop (latency from the actual send)",
            r.spec().maxRequests(),
            r.spec().duration(),
            r.spec().trace().length(),
            r.spec().traceOffset()));
    sb.append(LoadReport.summary(List.of(label), List.of(r))).append('\n');
    if (!r.tiers().isEmpty()) {
      sb.append("Hit ratio per tier (X-Cache):\n\n")
          .append(LoadReport.tiers(List.of(label), List.of(r)))
          .append('\n');
      sb.append(
          String.format(
              java.util.Locale.ROOT,
              "Served from some cache: %.1f%% of responses.%n",
              100 * r.servedFromCacheRatio()));
    }
    return sb.toString();
  }
}
