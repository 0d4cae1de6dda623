package io.imgcdn.bench.peers;

import io.imgcdn.bench.load.LoadGenerator;
import io.imgcdn.bench.load.LoadResult;
import io.imgcdn.bench.load.LoadSpec;
import io.imgcdn.bench.report.LoadReport;
import io.imgcdn.bench.report.MarkdownTable;
import io.imgcdn.bench.report.Reports;
import io.imgcdn.bench.workload.Trace;
import io.imgcdn.bench.workload.TraceRequest;
import io.imgcdn.bench.workload.Workload;
import io.imgcdn.bench.workload.WorkloadSpec;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Run 3 of issue 7: the whole imgcdn cluster (edge -> 3 shards -> origin) against the reference
 * cluster of the same shape (nginx front with proxy_cache on tmpfs and {@code hash $request_uri
 * consistent} -> 3 Traffic Server instances -> the same origin), on the Zipf workload trace after a
 * warm-up.
 */
public final class ClusterVsReferenceRun {

  /*
   * One origin for both. The reference cluster's shards forward misses to the imgcdn cluster's origin-thumb
   * (the trace asks for variants /v/<preset>/..., which only origin-thumb makes; nginx could serve only
   * originals), reading the same bucket in the embedded S3. The origin keeps no variants, only recent
   * originals (origin.originals-cache-bytes), so a miss costs a resize in either cluster; the cluster warmed
   * second may find some originals already in the origin's memory, which saves S3 reads, not resizes.
   *
   * Same sizes. The front caches get the same bytes (edge.cache.max-bytes = nginx proxy_cache max_size, on
   * tmpfs), each shard the same bound (shard.store.max-bytes = the ATS cache file). The edge and nginx use
   * one event loop / worker per core; each ATS one event thread per core (its default autoconfig).
   *
   * Sequence. Both clusters are started; every original is requested once straight from the origin (so
   * neither cluster's warm-up alone pays the S3 reads and the origin's JIT); each cluster is warmed with
   * the first `warmupRequests` requests of the trace (reported separately: that is the cold-cache rate,
   * dominated by resizes); then each is measured from the same trace position for `duration`, in
   * alternating order over `rounds` rounds. The clusters are idle while the other is measured. All of
   * imgcdn runs in one child JVM (LocalCluster), whereas the reference is 1 + 3 processes.
   */

  /**
   * What to run.
   *
   * @param workDir parent of the temporary directories (null: java.io.tmpdir)
   * @param peer the shard-tier program of the reference cluster
   * @param workload the workload (its requests: at least warm-up plus what the measured segments
   *     use; the trace wraps around)
   * @param warmupRequests requests replayed before measuring
   * @param warmupLimit the warm-up stops after this long even if the requests are not all sent
   * @param frontCacheBytes the edge's memory and the nginx front's proxy_cache
   * @param shardCacheBytes each shard's store bound and each ATS cache file
   * @param connections load generator connections
   * @param clientThreads load generator event loops
   * @param duration each measured segment
   * @param rounds measured (imgcdn, reference) pairs, order alternating
   * @param keep keep the temporary directories
   */
  public record Options(
      @Nullable Path workDir,
      ShardPeerKind peer,
      WorkloadSpec workload,
      long warmupRequests,
      Duration warmupLimit,
      long frontCacheBytes,
      long shardCacheBytes,
      int connections,
      int clientThreads,
      Duration duration,
      int rounds,
      boolean keep) {
    public Options {
      if (warmupRequests < 0 || warmupRequests >= workload.requests()) {
        throw new IllegalArgumentException(
            "warmupRequests: "
                + warmupRequests
                + " (expected: >= 0 and below the "
                + "trace's "
                + workload.requests()
                + " requests)");
      }
      if (rounds <= 0 || connections <= 0 || clientThreads <= 0) {
        throw new IllegalArgumentException(
            "rounds, connections, client threads: "
                + rounds
                + ", "
                + connections
                + ", "
                + clientThreads
                + " (expected: all > 0)");
      }
    }

    /**
     * Scaled to a 2-core machine: 2,000 originals (default workload otherwise: Zipf 0.9, pixiv's
     * sizes, the default mix), 200,000 warm-up requests (at most 10 min), 64 MiB fronts, 256 MiB
     * per shard, 32 connections, one 60 s round, ATS.
     */
    public static Options defaults() {
      return new Options(
          null,
          ShardPeerKind.ATS,
          WorkloadSpec.defaults(42).withOriginals(2_000).withRequests(2_000_000),
          200_000,
          Duration.ofMinutes(10),
          64L << 20,
          256L << 20,
          32,
          1,
          Duration.ofSeconds(60),
          1,
          false);
    }
  }

  /**
   * What the run measured.
   *
   * @param labels one per result: {@code imgcdn warm-up}, {@code reference warm-up}, {@code imgcdn
   *     #1}, ...
   * @param results bench-load results in that order
   * @param cpuMicrosPerResponse per result: CPU time of the cluster's processes per response,
   *     microseconds
   * @param markdown the report's text (without plot links)
   */
  public record Result(
      List<String> labels,
      List<LoadResult> results,
      List<Double> cpuMicrosPerResponse,
      String markdown) {}

  static final String IMGCDN = "imgcdn";
  static final String REFERENCE = "reference";
  private static final int SHARDS = 3;

  private ClusterVsReferenceRun() {}

  /**
   * Runs it, writes the report to {@code report} (plots next to it) and returns it; progress lines
   * to {@code log}.
   */
  public static Result run(Options o, Path report, PrintWriter log) throws Exception {
    o.peer()
        .unavailable()
        .ifPresent(
            reason -> {
              throw new IllegalStateException(
                  "shard-tier peer " + o.peer().label() + ": " + reason);
            });
    Nginx.unavailable()
        .ifPresent(
            reason -> {
              throw new IllegalStateException("reference front: " + reason);
            });
    String loadBefore = Machine.loadAverage();
    Workload workload = Workload.generate(o.workload());
    Trace trace = Trace.of(workload);
    log.printf(
        "trace: %,d requests over %,d objects (%s), working set of the mix %s%n",
        trace.length(),
        trace.objectCount(),
        MarkdownTable.bytes(trace.workingSetBytes()),
        MarkdownTable.bytes(workload.catalogueBytes()));
    log.flush();
    List<String> labels = new ArrayList<>();
    List<LoadResult> results = new ArrayList<>();
    List<Double> cpuMicros = new ArrayList<>();
    MachineLoad.Segments loads = new MachineLoad.Segments();
    List<AutoCloseable> reference = new ArrayList<>();
    long seeded;
    long frontBytes = -1;
    List<Long> storeBytes = new ArrayList<>();
    try (WorkDir dirs = WorkDir.create(o.workDir(), "cluster-vs-reference", o.keep())) {
      log.printf("work dir %s (tmpfs: %s)%n", dirs.disk(), dirs.memory());
      log.flush();
      ImgcdnCluster.Options co =
          new ImgcdnCluster.Options(
              SHARDS,
              o.frontCacheBytes(),
              o.shardCacheBytes(),
              ObjectSets.workload(o.workload()),
              "2g",
              Map.of());
      try (ImgcdnCluster cluster = ImgcdnCluster.start(dirs.disk(), co)) {
        seeded = cluster.seededBytes();
        List<URI> shardPeers = new ArrayList<>();
        try {
          for (int i = 1; i <= SHARDS; i++) {
            ShardPeerKind.Running r =
                o.peer().start(dirs.disk(), i, cluster.origin(), o.shardCacheBytes());
            reference.add(r);
            shardPeers.add(r.uri());
          }
          Nginx front =
              Nginx.startFront(
                  dirs.disk().resolve("nginx-1"),
                  "nginx-1",
                  Ports.free(),
                  shardPeers,
                  dirs.memory().resolve("front-cache"),
                  o.frontCacheBytes(),
                  CpuPlacement.current().serverCpuCount());
          reference.add(front);
          log.printf(
              "imgcdn (pid %d): edge %s, shards %s, origin %s%nreference: nginx-1 (pid %d) %s ->"
                  + " %s%n",
              cluster.pid(),
              cluster.edge(),
              cluster.shards(),
              cluster.origin(),
              front.pid(),
              front.uri(),
              shardPeers);
          log.flush();
          Map<String, URI> targets = Map.of(IMGCDN, cluster.edge(), REFERENCE, front.uri());
          List<Long> referencePids = new ArrayList<>(List.of(front.pid()));
          reference.stream()
              .filter(c -> c instanceof ShardPeerKind.Running)
              .forEach(c -> referencePids.add(((ShardPeerKind.Running) c).pid()));
          Map<String, List<Long>> pids =
              Map.of(IMGCDN, List.of(cluster.pid()), REFERENCE, referencePids);
          LoadResult pre =
              Warmup.replay(
                  cluster.origin(),
                  originals(workload),
                  workload.originalCount(),
                  o.connections(),
                  o.warmupLimit(),
                  o.clientThreads());
          progress(log, "origin pre-warm", pre, Double.NaN);
          for (String name : List.of(IMGCDN, REFERENCE)) {
            Duration cpu0 = CpuTime.of(required(pids, name));
            MachineLoad others = MachineLoad.start();
            LoadResult w =
                Warmup.replay(
                    required(targets, name),
                    trace,
                    Math.max(1, o.warmupRequests()),
                    o.connections(),
                    o.warmupLimit(),
                    o.clientThreads());
            labels.add(name + " warm-up");
            loads.add(labels.getLast(), others.end());
            results.add(w);
            cpuMicros.add(
                CpuTime.microsPerResponse(
                    CpuTime.of(required(pids, name)).minus(cpu0), w.responses()));
            progress(log, name + " warm-up", w, cpuMicros.getLast());
          }
          for (int round = 1; round <= o.rounds(); round++) {
            List<String> order =
                round % 2 == 1 ? List.of(IMGCDN, REFERENCE) : List.of(REFERENCE, IMGCDN);
            for (String name : order) {
              Duration cpu0 = CpuTime.of(required(pids, name));
              MachineLoad others = MachineLoad.start();
              LoadResult r =
                  LoadGenerator.run(
                      new LoadSpec(
                          List.of(required(targets, name)),
                          trace,
                          o.warmupRequests(),
                          o.connections(),
                          0,
                          1_000_000_000L,
                          o.duration(),
                          Duration.ofSeconds(10),
                          Duration.ofSeconds(2),
                          o.clientThreads(),
                          null));
              labels.add(name + " #" + round);
              loads.add(labels.getLast(), others.end());
              results.add(r);
              cpuMicros.add(
                  CpuTime.microsPerResponse(
                      CpuTime.of(required(pids, name)).minus(cpu0), r.responses()));
              progress(log, name + " #" + round, r, cpuMicros.getLast());
            }
          }
          frontBytes = WorkDir.bytesUnder(dirs.memory().resolve("front-cache"));
          for (int i = 1; i <= SHARDS; i++) {
            storeBytes.add(
                WorkDir.bytesUnder(dirs.disk().resolve("cluster").resolve("shard-" + i)));
          }
        } finally {
          // All at once: the imgcdn child stops its nodes while the reference's processes stop.
          cluster.requestStop();
          PeerProcess.closeAll(reference, log::println);
        }
      }
    }
    String loadAfter = Machine.loadAverage();
    String markdown =
        markdown(
            o,
            trace,
            seeded,
            labels,
            results,
            cpuMicros,
            loadBefore,
            loadAfter,
            frontBytes,
            storeBytes);
    markdown += loads.markdown();
    Files.createDirectories(report.toAbsolutePath().getParent());
    // Plots: the measured segments only (the warm-ups' resize latencies would flatten them).
    List<String> measuredLabels = labels.stream().filter(l -> !l.endsWith("warm-up")).toList();
    List<LoadResult> measured =
        measuredLabels.stream().map(l -> results.get(labels.indexOf(l))).toList();
    Reports.writeLoad(report, markdown, measuredLabels, measured);
    return new Result(List.copyOf(labels), List.copyOf(results), List.copyOf(cpuMicros), markdown);
  }

  private static void progress(PrintWriter log, String label, LoadResult r, double cpuMicros) {
    log.printf(
        Locale.ROOT,
        "%-18s %,9d responses %8.0f req/s  p50 %.2f ms  p99 %.2f ms  errors %d  from cache %s  "
            + "CPU %.0f us/response  %s%n",
        label,
        r.responses(),
        r.requestsPerSecond(),
        r.latencyMillis(50),
        r.latencyMillis(99),
        r.errorCount(),
        MarkdownTable.percent(r.servedFromCacheRatio()),
        cpuMicros,
        r.tiers());
    log.flush();
  }

  /**
   * Each original once, straight to the origin (both clusters then find the originals in its
   * memory).
   */
  private static Trace originals(Workload w) {
    List<TraceRequest> list = new ArrayList<>(w.originalCount());
    for (int i = 0; i < w.originalCount(); i++) {
      list.add(new TraceRequest("/" + w.key(i), w.originalSize(i)));
    }
    return Trace.of(list.iterator());
  }

  private static <V> V required(Map<String, V> byName, String name) {
    V value = byName.get(name);
    if (value == null) {
      throw new IllegalArgumentException(name + ": none (expected one of " + byName.keySet() + ")");
    }
    return value;
  }

  private static String markdown(
      Options o,
      Trace trace,
      long seeded,
      List<String> labels,
      List<LoadResult> results,
      List<Double> cpuMicros,
      String loadBefore,
      String loadAfter,
      long frontBytes,
      List<Long> storeBytes) {
    String shardTier = o.peer().tier();
    StringBuilder md = new StringBuilder();
    md.append("## Run 3: imgcdn cluster vs reference cluster (nginx front -> 3 x ")
        .append(o.peer().label())
        .append(")\n\n");
    WorkloadSpec ws = o.workload();
    md.append(
        String.format(
            Locale.ROOT,
            "Workload: seed %d, %,d originals (%s in the bucket), Zipf %.2f, mix %s; the trace's"
                + " %,d distinct URLs weigh %s. Each original once straight from the origin, then"
                + " warm-up: the first %,d requests (at most %d s), then %d round(s) of %d s per"
                + " cluster from the same trace position, order alternating. Closed loop, %d"
                + " connections, %d client thread(s). Front cache %s each (edge memory; nginx"
                + " proxy_cache on tmpfs), shard cache %s per shard (RocksDB bound; ATS cache"
                + " file), 3 shards each, one origin-thumb shared.%n%n",
            ws.seed(),
            ws.originals(),
            MarkdownTable.bytes(seeded),
            ws.zipfExponent(),
            ws.mixText(),
            trace.objectCount(),
            MarkdownTable.bytes(trace.workingSetBytes()),
            o.warmupRequests(),
            o.warmupLimit().toSeconds(),
            o.rounds(),
            o.duration().toSeconds(),
            o.connections(),
            o.clientThreads(),
            MarkdownTable.bytes(o.frontCacheBytes()),
            MarkdownTable.bytes(o.shardCacheBytes())));
    md.append("Machine: ")
        .append(Machine.describe())
        .append("; load average ")
        .append(loadBefore)
        .append(" before, ")
        .append(loadAfter)
        .append(" after. Peers: ")
        .append(Nginx.version())
        .append("; ")
        .append(o.peer().version())
        .append(".\n\n");
    MarkdownTable t =
        new MarkdownTable(
            "<segment",
            "req/s",
            "p50 ms",
            "p99 ms",
            "p99.9 ms",
            "<errors",
            "front hit",
            "shard hit",
            "from cache",
            "to origin",
            "CPU µs/req");
    for (int i = 0; i < results.size(); i++) {
      LoadResult r = results.get(i);
      boolean ours = labels.get(i).startsWith(IMGCDN);
      String front = ours ? "edge" : "nginx";
      String shard = ours ? "shard" : shardTier;
      t.row(
          labels.get(i),
          f0(r.requestsPerSecond()),
          f2(r.latencyMillis(50)),
          f2(r.latencyMillis(99)),
          f2(r.latencyMillis(99.9)),
          r.errorCount() == 0 ? "0" : r.errorCount() + " " + r.errors(),
          MarkdownTable.percent(r.hitRatio(front)),
          MarkdownTable.percent(r.hitRatio(shard)),
          String.format(Locale.ROOT, "%.2f%%", 100 * r.servedFromCacheRatio()),
          r.responses() - r.servedFromCache(),
          f0(cpuMicros.get(i)));
    }
    md.append(t.render()).append('\n');
    md.append(
        "front hit: share of responses the front (edge / nginx) answered from memory; shard hit: of"
            + " the requests that reached a shard, the share it answered from its cache; from"
            + " cache: responses some tier answered from cache; to origin: responses no tier had;"
            + " CPU µs/req: user + system CPU time of the cluster's processes during the segment"
            + " per response (imgcdn: the child JVM, which also runs the origin and S3 that serve"
            + " both clusters' misses; reference: nginx and the 3 "
            + shardTier
            + " shards, without the origin; so in the warm-ups, where misses are many, the origin's"
            + " resizes count for imgcdn only).\n\n");
    md.append(
        String.format(
            Locale.ROOT,
            "Cache bytes at the end: nginx front's proxy_cache on tmpfs %s (max_size %s; nginx's"
                + " cache manager evicts after the fact, so it can run over); imgcdn shard stores"
                + " on disk %s (bound %s each); the edge keeps its own byte count under %s; ATS"
                + " cache files are fixed at %s.%n%n",
            frontBytes < 0 ? "unknown" : MarkdownTable.bytes(frontBytes),
            MarkdownTable.bytes(o.frontCacheBytes()),
            storeBytes.stream().map(b -> b < 0 ? "unknown" : MarkdownTable.bytes(b)).toList(),
            MarkdownTable.bytes(o.shardCacheBytes()),
            MarkdownTable.bytes(o.frontCacheBytes()),
            MarkdownTable.bytes(o.shardCacheBytes())));
    double[] ratios = new double[o.rounds()];
    double[] cpuRatios = new double[o.rounds()];
    for (int round = 1; round <= o.rounds(); round++) {
      int oi = labels.indexOf(IMGCDN + " #" + round);
      int ri = labels.indexOf(REFERENCE + " #" + round);
      ratios[round - 1] = results.get(oi).requestsPerSecond() / results.get(ri).requestsPerSecond();
      cpuRatios[round - 1] = cpuMicros.get(ri) / cpuMicros.get(oi);
    }
    md.append(
        String.format(
            Locale.ROOT,
            "imgcdn / reference throughput per round: %s (median %.2f); reference / imgcdn CPU per"
                + " response: %s (median %.2f; above 1: imgcdn needs less CPU per response).%n%n",
            java.util.Arrays.stream(ratios).mapToObj(ClusterVsReferenceRun::f2).toList(),
            ShardVsAtsRun.median(ratios),
            java.util.Arrays.stream(cpuRatios).mapToObj(ClusterVsReferenceRun::f2).toList(),
            ShardVsAtsRun.median(cpuRatios)));
    md.append("Every segment (bench load generator):\n\n")
        .append(LoadReport.summary(labels, results))
        .append('\n')
        .append(LoadReport.tiers(labels, results));
    return md.toString();
  }

  private static String f0(double v) {
    return String.format(Locale.ROOT, "%.0f", v);
  }

  private static String f2(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }
}
