package io.imgcdn.bench.peers;

import io.imgcdn.bench.load.DurationConverter;
import io.imgcdn.bench.workload.WorkloadSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code cluster-vs-reference}: run 3 of issue 7 as one command (see {@link
 * ClusterVsReferenceRun}).
 */
@Command(
    name = "cluster-vs-reference",
    description =
        "Run 3: imgcdn (edge -> 3 shards -> origin) vs nginx front -> 3 Apache Traffic Server ->"
            + " the same origin, Zipf trace after a warm-up; starts and stops everything itself.")
public final class ClusterVsReferenceCommand implements Callable<Integer> {

  @Option(
      names = "--peer",
      defaultValue = "ATS",
      description =
          "Shard-tier program of the reference: ATS or NGINX "
              + "(nginx with a disk cache, if ATS cannot run) (default: ${DEFAULT-VALUE}).")
  ShardPeerKind peer;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Workload seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--originals",
      defaultValue = "2000",
      description = "Originals (default: ${DEFAULT-VALUE}).")
  int originals;

  @Option(
      names = "--zipf",
      defaultValue = "0.9",
      description = "Zipf exponent (default: ${DEFAULT-VALUE}).")
  double zipf;

  @Option(
      names = "--mix",
      defaultValue = WorkloadSpec.DEFAULT_MIX,
      description = "Request mix (default: ${DEFAULT-VALUE}).")
  String mix;

  @Option(
      names = "--trace-requests",
      defaultValue = "2000000",
      description = "Requests in the trace; it wraps around (default: ${DEFAULT-VALUE}).")
  long traceRequests;

  @Option(
      names = "--warmup-requests",
      defaultValue = "200000",
      description = "Warm-up requests (default: ${DEFAULT-VALUE}).")
  long warmupRequests;

  @Option(
      names = "--warmup-limit",
      defaultValue = "10m",
      converter = DurationConverter.class,
      description = "Longest warm-up per cluster (default: ${DEFAULT-VALUE}).")
  Duration warmupLimit;

  @Option(
      names = "--front-cache-mib",
      defaultValue = "64",
      description =
          "Edge memory / nginx proxy_cache on tmpfs, MiB " + "(default: ${DEFAULT-VALUE}).")
  long frontMib;

  @Option(
      names = "--shard-cache-mib",
      defaultValue = "256",
      description =
          "Per shard: store bound / ATS cache file, MiB " + "(default: ${DEFAULT-VALUE}).")
  long shardMib;

  @Option(
      names = "--connections",
      defaultValue = "32",
      description = "Load generator connections (default: ${DEFAULT-VALUE}).")
  int connections;

  @Option(
      names = "--threads",
      defaultValue = "1",
      description = "Load generator event loops (default: ${DEFAULT-VALUE}).")
  int threads;

  @Option(
      names = "--duration",
      defaultValue = "60s",
      converter = DurationConverter.class,
      description = "Each measured segment (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(
      names = "--rounds",
      defaultValue = "1",
      description = "Measured (imgcdn, reference) pairs (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(
      names = "--work-dir",
      description = "Parent of the temporary directories (default: java.io.tmpdir).")
  Path workDir;

  @Option(names = "--keep", description = "Keep the temporary directories (configs, logs, caches).")
  boolean keep;

  @Option(
      names = "--out",
      defaultValue = "target/peer-runs/cluster-vs-reference.md",
      description = "Report (Markdown; SVG plots next to it) (default: ${DEFAULT-VALUE}).")
  Path out;

  @Mixin CpuOptions cpus;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    cpus.apply();
    WorkloadSpec ws =
        WorkloadSpec.defaults(seed)
            .withOriginals(originals)
            .withZipfExponent(zipf)
            .withMix(WorkloadSpec.parseMix(mix))
            .withRequests(traceRequests);
    ClusterVsReferenceRun.Options o =
        new ClusterVsReferenceRun.Options(
            workDir,
            peer,
            ws,
            warmupRequests,
            warmupLimit,
            frontMib << 20,
            shardMib << 20,
            connections,
            threads,
            duration,
            rounds,
            keep);
    ClusterVsReferenceRun.Result r = ClusterVsReferenceRun.run(o, out, stdout);
    stdout.println();
    stdout.println(r.markdown());
    stdout.println("report: " + out.toAbsolutePath());
    stdout.flush();
    return r.results().stream().anyMatch(x -> x.errorCount() > 0) ? 2 : 0;
  }
}
