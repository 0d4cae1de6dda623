package io.imgcdn.bench.peers;

import io.imgcdn.bench.load.DurationConverter;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code shard-vs-ats}: run 2 of issue 7 as one command (see {@link ShardVsAtsRun}). */
@Command(
    name = "shard-vs-ats",
    description =
        "Run 2: one imgcdn shard's hits vs one Apache Traffic Server's hits (equal-size objects,"
            + " warmed, interleaved rounds); starts and stops everything itself.")
public final class ShardVsAtsCommand implements Callable<Integer> {

  @Option(
      names = "--peer",
      defaultValue = "ATS",
      description =
          "Shard-tier peer: ATS or NGINX (nginx with a disk "
              + "cache, if ATS cannot run) (default: ${DEFAULT-VALUE}).")
  ShardPeerKind peer;

  @Option(
      names = "--objects",
      defaultValue = "2000",
      description = "Objects (default: ${DEFAULT-VALUE}).")
  int objects;

  @Option(
      names = "--object-bytes",
      defaultValue = "61440",
      description = "Bytes per object (default: ${DEFAULT-VALUE}).")
  int objectBytes;

  @Option(
      names = "--cache-mib",
      defaultValue = "512",
      description = "Shard store bound and ATS cache file, MiB " + "(default: ${DEFAULT-VALUE}).")
  long cacheMib;

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
      defaultValue = "20s",
      converter = DurationConverter.class,
      description = "Each measured segment (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(
      names = "--rounds",
      defaultValue = "3",
      description = "Rounds of (shard, peer) (default: ${DEFAULT-VALUE}).")
  int rounds;

  @Option(
      names = "--wrk-threads",
      defaultValue = "0",
      description =
          "Also run wrk with this many threads after each "
              + "round; 0 = no wrk (default: ${DEFAULT-VALUE}).")
  int wrkThreads;

  @Option(
      names = "--work-dir",
      description = "Parent of the temporary directories (default: java.io.tmpdir).")
  Path workDir;

  @Option(names = "--keep", description = "Keep the temporary directories (configs, logs, caches).")
  boolean keep;

  @Option(
      names = "--shard-set",
      description =
          "A shard setting, key=value (repeatable), e.g. " + "shard.store.block-cache=256m.")
  java.util.Map<String, String> shardSettings = new java.util.HashMap<>();

  @Option(
      names = "--cold",
      description =
          "Cold page cache: each measured segment is one pass over every object after dropping the"
              + " server's files from the page cache; no block cache / RAM cache on either side.")
  boolean cold;

  @Option(
      names = "--cold-fresh-connections",
      description =
          "With --cold: open new connections for every cold segment (the method before 2026-11-22)"
              + " instead of keeping the warm load's connections open.")
  boolean coldFreshConnections;

  @Option(
      names = "--out",
      defaultValue = "target/peer-runs/shard-vs-ats.md",
      description = "Report (Markdown; SVG plots next to it) (default: ${DEFAULT-VALUE}).")
  Path out;

  @Mixin CpuOptions cpus;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    cpus.apply();
    ShardVsAtsRun.Options o =
        new ShardVsAtsRun.Options(
            workDir,
            peer,
            objects,
            objectBytes,
            cacheMib << 20,
            connections,
            threads,
            duration,
            rounds,
            wrkThreads,
            keep,
            shardSettings,
            cold,
            coldFreshConnections);
    ShardVsAtsRun.Result r = ShardVsAtsRun.run(o, out, stdout);
    stdout.println();
    stdout.println(r.markdown());
    stdout.println("report: " + out.toAbsolutePath());
    stdout.flush();
    return r.results().stream().anyMatch(x -> x.errorCount() > 0) ? 2 : 0;
  }
}
