package io.imgcdn.bench.peers;

import io.imgcdn.bench.load.LoadGenerator;
import io.imgcdn.bench.load.LoadResult;
import io.imgcdn.bench.load.LoadSpec;
import io.imgcdn.bench.report.LoadReport;
import io.imgcdn.bench.report.MarkdownTable;
import io.imgcdn.bench.report.Reports;
import io.imgcdn.bench.workload.Trace;
import io.imgcdn.bench.workload.TraceFormat;
import io.imgcdn.bench.workload.TraceRequest;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Run 2 of issue 7: cache hits of one imgcdn shard against one Traffic Server instance (or nginx
 * with a disk cache, where ATS cannot run), on the same set of equal-size objects, both warmed
 * until every object is a hit, measured by the same load generator in interleaved rounds.
 */
public final class ShardVsAtsRun {

  /*
   * Set-up. A child JVM runs LocalCluster with one shard (plus the edge, origin and embedded S3 it always
   * has; the edge stays idle) and puts `objects` objects of `objectBytes` into the bucket. The peer
   * reverse-proxies to the same origin. Both are warmed by passes over every object until a pass is all
   * hits (the shard admits an object from its fourth request), so the measured requests are hits only; the
   * tier table shows it.
   *
   * Measurement. `rounds` rounds; each round measures the shard and the peer for `duration` each, in
   * alternating order (shard first in odd rounds), closed loop over `connections` keep-alive connections,
   * the objects drawn uniformly. The machine is shared: interleaving spreads other people's load over both,
   * and the side-by-side table gives each round's ratio and the median of the ratios. It also gives each
   * server's CPU time per response (CpuTime), which depends much less on how busy the machine is than the
   * rate does. Optionally wrk does the same right after each bench-load pair, as a cross-check with a tool
   * we did not write.
   *
   * Fairness notes, repeated in the report: both serve from a file system cache of the same size bound
   * (RocksDB under shard.store.max-bytes, ATS's cache file of the same size); both sit on the OS page cache,
   * and with 2,000 x 60 KiB = 117 MiB everything is in memory for both, so this measures each server's hit
   * path (HTTP parsing, lookup, read, write), not the SSD.
   */

  /**
   * What to run.
   *
   * @param workDir parent of the temporary directories (null: java.io.tmpdir)
   * @param peer the shard-tier peer
   * @param objects number of objects
   * @param objectBytes size of each object
   * @param cacheBytes the shard's store bound and the peer's cache size
   * @param connections keep-alive connections of the load generator
   * @param clientThreads event-loop threads of the load generator
   * @param duration length of each measured segment
   * @param rounds number of (shard, peer) pairs
   * @param wrkThreads with wrk: its threads; 0 for no wrk runs
   * @param keep keep the temporary directories (logs, configs) instead of deleting them
   * @param shardSettings extra settings for the shard (e.g. shard.store.block-cache)
   * @param coldPageCache measure cold reads instead: before each measured pass over every object,
   *     drop the page cache of the server's files; no RocksDB block cache and no ATS RAM cache
   * @param coldFreshConnections with coldPageCache: open new connections for every cold segment
   *     (the method before 2026-11-22, which charged connection set-up and its JIT to each segment)
   *     instead of keeping each server's connections open from the warm load through every segment
   */
  public record Options(
      @Nullable Path workDir,
      ShardPeerKind peer,
      int objects,
      int objectBytes,
      long cacheBytes,
      int connections,
      int clientThreads,
      Duration duration,
      int rounds,
      int wrkThreads,
      boolean keep,
      Map<String, String> shardSettings,
      boolean coldPageCache,
      boolean coldFreshConnections) {
    public Options {
      shardSettings = Map.copyOf(shardSettings);
      if (objects <= 0 || objectBytes <= 0) {
        throw new IllegalArgumentException(
            "objects: " + objects + " x " + objectBytes + " bytes (expected: > 0)");
      }
      if ((long) objects * objectBytes > cacheBytes / 2) {
        throw new IllegalArgumentException(
            "objects: "
                + objects
                + " x "
                + objectBytes
                + " bytes for a cache of "
                + cacheBytes
                + " (expected: at most half the cache, so every object stays a hit)");
      }
      if (rounds <= 0 || connections <= 0 || clientThreads <= 0 || wrkThreads < 0) {
        throw new IllegalArgumentException(
            "rounds, connections, client threads, wrk threads: "
                + rounds
                + ", "
                + connections
                + ", "
                + clientThreads
                + ", "
                + wrkThreads
                + " (expected: > 0, > 0, > 0, >= 0)");
      }
    }

    /** 2,000 objects of 60 KiB, 512 MiB caches, 32 connections, 3 rounds of 20 s, ATS, no wrk. */
    public static Options defaults() {
      return new Options(
          null,
          ShardPeerKind.ATS,
          2_000,
          60 * 1024,
          512L << 20,
          32,
          1,
          Duration.ofSeconds(20),
          3,
          0,
          false,
          Map.of(),
          false,
          false);
    }
  }

  /**
   * What the run measured.
   *
   * @param labels one per result, e.g. {@code shard #1}, {@code ats #1}
   * @param results bench-load results, in the order measured
   * @param cpuMicrosPerResponse per result: CPU time of the server's processes per response,
   *     microseconds
   * @param markdown the report's text (without the plot links)
   * @param medianRatio median over rounds of shard req/s / peer req/s
   * @param medianCpuRatio median over rounds of peer CPU per response / shard CPU per response
   */
  public record Result(
      List<String> labels,
      List<LoadResult> results,
      List<Double> cpuMicrosPerResponse,
      String markdown,
      double medianRatio,
      double medianCpuRatio) {}

  private static final long SEED = 7;
  private static final int WARM_MAX_PASSES = 8;
  private static final Duration IDLE_SAMPLE = Duration.ofSeconds(3);

  private ShardVsAtsRun() {}

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
    if (o.wrkThreads() > 0) {
      Wrk.unavailable()
          .ifPresent(
              reason -> {
                throw new IllegalStateException("wrk cross-check: " + reason);
              });
    }
    String loadBefore = Machine.loadAverage();
    Trace eachOnce = ObjectSets.eachOnce(o.objects(), o.objectBytes());
    Trace trace = ObjectSets.uniformTrace(o.objects(), o.objectBytes(), 2_000_000, SEED);
    List<String> labels = new ArrayList<>();
    List<LoadResult> results = new ArrayList<>();
    List<Double> cpuMicros = new ArrayList<>();
    MachineLoad.Segments loads = new MachineLoad.Segments();
    List<Wrk.Figures> wrkShard = new ArrayList<>();
    List<Wrk.Figures> wrkPeer = new ArrayList<>();
    List<String> coldNotes = new ArrayList<>();
    int shardPasses;
    int peerPasses;
    double idleShardMillisPerSecond;
    double idlePeerMillisPerSecond;
    try (WorkDir dirs = WorkDir.create(o.workDir(), "shard-vs-ats", o.keep())) {
      log.printf("work dir %s%n", dirs.disk());
      log.flush();
      Map<String, String> shardSettings = new java.util.HashMap<>(o.shardSettings());
      if (o.coldPageCache()) {
        shardSettings.putIfAbsent("shard.store.block-cache", "0");
        // posix_fadvise cannot drop pages a process has mapped: the shard's default mmap reads
        // would stay warm.
        shardSettings.putIfAbsent("shard.store.reads", "pread");
      }
      ImgcdnCluster.Options co =
          new ImgcdnCluster.Options(
              1,
              64L << 20,
              o.cacheBytes(),
              ObjectSets.fixed(o.objects(), o.objectBytes(), SEED),
              "1g",
              shardSettings);
      try (ImgcdnCluster cluster = ImgcdnCluster.start(dirs.disk(), co);
          ShardPeerKind.Running peer =
              o.peer()
                  .start(
                      dirs.disk(),
                      1,
                      cluster.origin(),
                      o.cacheBytes(),
                      o.coldPageCache() ? 0 : -1)) {
        URI shard = cluster.shards().getFirst();
        log.printf(
            "imgcdn cluster pid %d: shard %s, origin %s; %s pid %d at %s%n",
            cluster.pid(), shard, cluster.origin(), peer.nodeId(), peer.pid(), peer.uri());
        log.flush();
        shardPasses =
            Warmup.untilAllHit(shard, eachOnce, "shard", 8, WARM_MAX_PASSES, o.clientThreads());
        peerPasses =
            Warmup.untilAllHit(
                peer.uri(), eachOnce, o.peer().tier(), 8, WARM_MAX_PASSES, o.clientThreads());
        log.printf(
            "warm: shard after %d passes, %s after %d%n", shardPasses, peer.nodeId(), peerPasses);
        // What each uses while idle (the child JVM also runs an edge, an origin and S3, idle here).
        Duration idle0Shard = CpuTime.of(List.of(cluster.pid()));
        Duration idle0Peer = CpuTime.of(List.of(peer.pid()));
        Thread.sleep(IDLE_SAMPLE.toMillis());
        idleShardMillisPerSecond =
            CpuTime.of(List.of(cluster.pid())).minus(idle0Shard).toNanos()
                / 1e6
                / IDLE_SAMPLE.toSeconds();
        idlePeerMillisPerSecond =
            CpuTime.of(List.of(peer.pid())).minus(idle0Peer).toNanos()
                / 1e6
                / IDLE_SAMPLE.toSeconds();
        log.printf(
            "idle CPU: imgcdn JVM %.1f ms/s, %s %.1f ms/s%n",
            idleShardMillisPerSecond, peer.nodeId(), idlePeerMillisPerSecond);
        log.flush();
        Path wrkTrace = null;
        if (o.wrkThreads() > 0) {
          wrkTrace = dirs.disk().resolve("wrk-trace.txt");
          writeTrace(wrkTrace, trace, 200_000);
        }
        Path shardFiles = dirs.disk().resolve("cluster").resolve("shard-1");
        Path peerFiles = dirs.disk().resolve(peer.nodeId());
        // Cold: each server's connections, opened by the warm load below, stay open through every
        // cold
        // segment (LoadGenerator.Session), so a segment measures cold reads, not 32 connection
        // set-ups and the
        // JIT compiling them (16% of the shard JVM's samples when every segment opened its own).
        Map<URI, LoadGenerator.Session> sessions = new java.util.HashMap<>();
        try {
          if (o.coldPageCache()) {
            // Cold segments last under a second: without this the JIT compiling the read path (40%
            // of the
            // shard JVM's CPU in a profile of such segments) would be charged to the cold hits.
            for (URI target : List.of(shard, peer.uri())) {
              LoadSpec warm =
                  new LoadSpec(
                      List.of(target),
                      trace,
                      0,
                      o.connections(),
                      0,
                      1_000_000_000L,
                      o.duration(),
                      Duration.ofSeconds(5),
                      Duration.ofSeconds(2),
                      o.clientThreads(),
                      null);
              if (o.coldFreshConnections()) {
                LoadGenerator.run(warm);
              } else {
                LoadGenerator.Session session = LoadGenerator.session(warm);
                sessions.put(target, session);
                session.run(warm);
              }
            }
            log.printf(
                "warm load of %d s on each before the cold rounds (JIT); cold segments on %s%n",
                o.duration().toSeconds(),
                o.coldFreshConnections()
                    ? "new connections each"
                    : "the warm load's connections, kept open");
            log.flush();
          }
          for (int round = 1; round <= o.rounds(); round++) {
            long offset = (long) (round - 1) * 400_000 % trace.length();
            boolean shardFirst = round % 2 == 1;
            for (int k = 0; k < 2; k++) {
              boolean isShard = (k == 0) == shardFirst;
              URI target = isShard ? shard : peer.uri();
              List<Long> pids = List.of(isShard ? cluster.pid() : peer.pid());
              Trace measured = trace;
              long maxRequests = 1_000_000_000L;
              if (o.coldPageCache()) {
                // One pass over every object in a fresh order, right after dropping the server's
                // files from RAM.
                measured = ObjectSets.shuffledOnce(o.objects(), o.objectBytes(), SEED + round);
                offset = 0;
                maxRequests = o.objects();
                Path files = isShard ? shardFiles : peerFiles;
                int dropped = PageCache.drop(files);
                long resident = PageCache.residentBytes(files);
                String line =
                    String.format(
                        Locale.ROOT,
                        "round %d %s: page cache dropped for %d files (%s); resident " + "now %s",
                        round,
                        isShard ? "shard" : o.peer().tier(),
                        dropped,
                        MarkdownTable.bytes(PageCache.fileBytes(files)),
                        MarkdownTable.bytes(resident));
                coldNotes.add(line);
                log.println(line);
                log.flush();
              }
              LoadSpec spec =
                  new LoadSpec(
                      List.of(target),
                      measured,
                      offset,
                      o.connections(),
                      0,
                      maxRequests,
                      o.duration(),
                      Duration.ofSeconds(5),
                      Duration.ofSeconds(2),
                      o.clientThreads(),
                      null);
              LoadGenerator.Session session = sessions.get(target);
              Duration cpu0 = CpuTime.of(pids);
              MachineLoad others = MachineLoad.start();
              LoadResult r = session != null ? session.run(spec) : LoadGenerator.run(spec);
              labels.add((isShard ? "shard" : o.peer().tier()) + " #" + round);
              loads.add(labels.getLast(), others.end());
              results.add(r);
              cpuMicros.add(CpuTime.microsPerResponse(CpuTime.of(pids).minus(cpu0), r.responses()));
              log.printf(
                  "round %d %-14s %8.0f req/s  p50 %.2f ms  p99 %.2f ms  errors %d  "
                      + "server CPU %.0f us/response%n",
                  round,
                  isShard ? "shard" : o.peer().tier(),
                  r.requestsPerSecond(),
                  r.latencyMillis(50),
                  r.latencyMillis(99),
                  r.errorCount(),
                  cpuMicros.getLast());
              log.flush();
            }
            if (wrkTrace != null && !o.coldPageCache()) { // written when o.wrkThreads() > 0
              for (int k = 0; k < 2; k++) {
                boolean isShard = (k == 0) == shardFirst;
                MachineLoad wrkOthers = MachineLoad.start();
                Wrk.Figures f =
                    Wrk.run(
                        isShard ? shard : peer.uri(),
                        wrkTrace,
                        dirs.disk(),
                        o.wrkThreads(),
                        o.connections(),
                        o.duration());
                (isShard ? wrkShard : wrkPeer).add(f);
                loads.add(
                    "wrk " + (isShard ? "shard" : o.peer().tier()) + " #" + round, wrkOthers.end());
                log.printf(
                    "round %d wrk %-10s %8.0f req/s  p50 %.2f ms  p99 %.2f ms  errors %d%n",
                    round,
                    isShard ? "shard" : o.peer().tier(),
                    f.requestsPerSecond(),
                    f.p50Millis(),
                    f.p99Millis(),
                    f.errors());
                log.flush();
              }
            }
          }
        } finally {
          for (LoadGenerator.Session session : sessions.values()) {
            session.close();
          }
        }
        cluster.requestStop(); // it stops while the peer does
      }
    }
    String loadAfter = Machine.loadAverage();
    double[] ratios = new double[o.rounds()];
    double[] cpuRatios = new double[o.rounds()];
    String markdown =
        markdown(
                o,
                labels,
                results,
                cpuMicros,
                wrkShard,
                wrkPeer,
                shardPasses,
                peerPasses,
                loadBefore,
                loadAfter,
                ratios,
                cpuRatios,
                idleShardMillisPerSecond,
                idlePeerMillisPerSecond,
                coldNotes)
            + loads.markdown();
    Files.createDirectories(report.toAbsolutePath().getParent());
    Reports.writeLoad(report, markdown, labels, results);
    return new Result(
        List.copyOf(labels),
        List.copyOf(results),
        List.copyOf(cpuMicros),
        markdown,
        median(ratios),
        median(cpuRatios));
  }

  private static void writeTrace(Path file, Trace trace, int requests) throws IOException {
    List<TraceRequest> rs = new ArrayList<>(requests);
    for (int i = 0; i < requests; i++) {
      int obj = trace.objectAt(i % trace.length());
      rs.add(new TraceRequest(trace.path(obj), trace.size(obj)));
    }
    TraceFormat.write(file, List.of("shard-vs-ats: uniform over the fixed objects"), rs.iterator());
  }

  private static String markdown(
      Options o,
      List<String> labels,
      List<LoadResult> results,
      List<Double> cpuMicros,
      List<Wrk.Figures> wrkShard,
      List<Wrk.Figures> wrkPeer,
      int shardPasses,
      int peerPasses,
      String loadBefore,
      String loadAfter,
      double[] ratios,
      double[] cpuRatios,
      double idleShard,
      double idlePeer,
      List<String> coldNotes) {
    String peerName = o.peer().tier();
    StringBuilder md = new StringBuilder();
    md.append("## Run 2: shard hits vs ")
        .append(o.peer().label())
        .append(" hits")
        .append(o.coldPageCache() ? ", cold page cache" : "")
        .append("\n\n");
    if (o.coldPageCache()) {
      md.append(
          "Cold: after a warm load of one segment's duration on each server (so that the JVM's JIT"
              + " is done), "
              + (o.coldFreshConnections()
                  ? "each cold segment on new connections, "
                  : "whose connections stay open (idle while the page cache is dropped) through"
                      + " every cold segment, ")
              + "each measured segment is one pass over every object in a fresh random order, right"
              + " after the page cache of the server's files was dropped (posix_fadvise DONTNEED on"
              + " every file, via `dd iflag=nocache count=0`; resident bytes counted by `fincore`"
              + " afterwards). No RAM cache on either side: the shard runs without a RocksDB block"
              + " cache (shard.store.block-cache=0) and reads with pread (shard.store.reads=pread:"
              + " pages of files it maps could not be dropped), ATS with"
              + " proxy.config.cache.ram_cache.size 0. Both keep their in-memory indexes (RocksDB's"
              + " table readers with bloom filters and indexes; ATS's directory).\n\n");
      coldNotes.forEach(n -> md.append("- ").append(n).append('\n'));
      md.append('\n');
    }
    if (!o.shardSettings().isEmpty()) {
      md.append("Shard settings: ")
          .append(new java.util.TreeMap<>(o.shardSettings()))
          .append(".\n\n");
    }
    md.append(
        String.format(
            Locale.ROOT,
            "%,d objects of %,d bytes (%s), every request a hit (warmed: shard after %d passes, %s"
                + " after %d). Closed loop, %d connections, %d client thread(s), %d rounds of %d s"
                + " per server, order alternating. Cache bound %s each.%n%n",
            o.objects(),
            o.objectBytes(),
            MarkdownTable.bytes((double) o.objects() * o.objectBytes()),
            shardPasses,
            peerName,
            peerPasses,
            o.connections(),
            o.clientThreads(),
            o.rounds(),
            o.duration().toSeconds(),
            MarkdownTable.bytes(o.cacheBytes())));
    md.append("Machine: ")
        .append(Machine.describe())
        .append("; load average ")
        .append(loadBefore)
        .append(" before, ")
        .append(loadAfter)
        .append(" after. Peer: ")
        .append(o.peer().version())
        .append(".\n\n");
    MarkdownTable side =
        new MarkdownTable(
            "<round",
            "shard req/s",
            peerName + " req/s",
            "shard/" + peerName,
            "shard p50 ms",
            peerName + " p50 ms",
            "shard p99 ms",
            peerName + " p99 ms",
            "shard CPU µs/req",
            peerName + " CPU µs/req",
            peerName + "/shard CPU",
            "<errors (shard, " + peerName + ")");
    for (int round = 1; round <= o.rounds(); round++) {
      int si = labels.indexOf("shard #" + round);
      int pi = labels.indexOf(peerName + " #" + round);
      LoadResult s = results.get(si);
      LoadResult p = results.get(pi);
      ratios[round - 1] = s.requestsPerSecond() / p.requestsPerSecond();
      cpuRatios[round - 1] = cpuMicros.get(pi) / cpuMicros.get(si);
      side.row(
          "#" + round,
          f0(s.requestsPerSecond()),
          f0(p.requestsPerSecond()),
          f2(ratios[round - 1]),
          f2(s.latencyMillis(50)),
          f2(p.latencyMillis(50)),
          f2(s.latencyMillis(99)),
          f2(p.latencyMillis(99)),
          f0(cpuMicros.get(si)),
          f0(cpuMicros.get(pi)),
          f2(cpuRatios[round - 1]),
          s.errorCount() + ", " + p.errorCount());
    }
    side.row(
        "median", "", "", f2(median(ratios)), "", "", "", "", "", "", f2(median(cpuRatios)), "");
    md.append(side.render()).append('\n');
    md.append(
            "CPU µs/req: user + system CPU time of the server's processes during the segment (the"
                + " whole imgcdn child JVM, with its idle edge, origin and S3; traffic_server) per"
                + " response; ")
        .append(peerName)
        .append(
            "/shard CPU above 1 means the shard needs less CPU per hit. Idle, before the rounds:"
                + " the imgcdn JVM ")
        .append(
            String.format(
                Locale.ROOT,
                "used %.1f ms of CPU per second, %s %.1f ms/s.%n%n",
                idleShard,
                peerName,
                idlePeer));
    if (!wrkShard.isEmpty()) {
      md.append("wrk cross-check (same trace, -t")
          .append(o.wrkThreads())
          .append(" -c")
          .append(o.connections())
          .append("):\n\n");
      MarkdownTable w =
          new MarkdownTable(
              "<round",
              "shard req/s",
              peerName + " req/s",
              "shard/" + peerName,
              "shard p50 ms",
              peerName + " p50 ms",
              "shard p99 ms",
              peerName + " p99 ms",
              "<errors (shard, " + peerName + ")");
      double[] wr = new double[wrkShard.size()];
      for (int i = 0; i < wrkShard.size(); i++) {
        Wrk.Figures s = wrkShard.get(i);
        Wrk.Figures p = wrkPeer.get(i);
        wr[i] = s.requestsPerSecond() / p.requestsPerSecond();
        w.row(
            "#" + (i + 1),
            f0(s.requestsPerSecond()),
            f0(p.requestsPerSecond()),
            f2(wr[i]),
            f2(s.p50Millis()),
            f2(p.p50Millis()),
            f2(s.p99Millis()),
            f2(p.p99Millis()),
            wrkErrors(s) + ", " + wrkErrors(p));
      }
      w.row("median", "", "", f2(median(wr)), "", "", "", "", "");
      md.append(w.render()).append('\n');
    }
    md.append("Every measured segment (bench load generator):\n\n")
        .append(LoadReport.summary(labels, results))
        .append('\n')
        .append(LoadReport.tiers(labels, results));
    return md.toString();
  }

  private static String wrkErrors(Wrk.Figures f) {
    return f.errors() == 0 ? "0" : f.errorKinds();
  }

  static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length == 0
        ? Double.NaN
        : s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static String f0(double v) {
    return String.format(Locale.ROOT, "%.0f", v);
  }

  private static String f2(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }
}
