package io.imgcdn.bench.edge;

import io.imgcdn.bench.load.LoadGenerator;
import io.imgcdn.bench.load.LoadResult;
import io.imgcdn.bench.load.LoadSpec;
import io.imgcdn.bench.peers.CpuPlacement;
import io.imgcdn.bench.peers.CpuTime;
import io.imgcdn.bench.peers.MachineLoad;
import io.imgcdn.bench.workload.Trace;
import io.imgcdn.bench.workload.TraceRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Cache hits, edge vs nginx, in one run on this machine: nginx (Debian's) with proxy_cache on tmpfs
 * in front of a static origin, and an imgcdn edge (in a JVM of its own) in front of the same
 * origin, both warmed, then wrk against one object of each size on each, alternating which goes
 * first, for a few rounds. Prints a Markdown table: requests/s, p50 and p99 latency, errors, and
 * the edge's bytes allocated per request (all its threads, from ThreadMXBean, over the measured
 * run).
 *
 * <p>Everything it starts (nginx, the edge JVM, wrk) it stops by pid; its files live in a directory
 * under /dev/shm that it deletes. Run from a fresh checkout with {@code bench/edge-vs-nginx.sh};
 * options: {@code --duration=15s --warmup=5s --jit-warmup=10s --rounds=3 --connections=64
 * --threads=2 --sizes=10240,61440 --nginx-workers=2 --edge-io-threads=2 --report=FILE
 * --edge-jvm="-XX:StartFlightRecording=..." --rate=0 --edge-set=edge.cache.admission=tinylfu
 * --server-cpus=1 --client-cpus=0} (CpuPlacement: nginx workers and edge threads default to the
 * server CPUs' count); with {@code --rate=N} each run is an open loop at N requests/s from the
 * bench's own generator instead of wrk.
 */
public final class EdgeVsNginx {
  /*
   * Fairness: same machine, same moment, same object bytes, same load tool and settings. nginx gets as
   * many worker processes as the edge gets event loops (default: the core count). wrk runs on the same
   * cores as the server under test, as it does for both. Runs alternate (edge first in even rounds,
   * nginx first in odd ones) so neither always meets a machine warmed or loaded by the other.
   * nginx's cache keeps bodies in files on tmpfs; each hit opens the file and sends it (sendfile), which
   * is how pixiv's memory fronts ran. The origin is a server block of the same nginx serving static files
   * with a strong ETag and a long Cache-Control, standing in for the shard tier.
   */
  record Options(
      Duration duration,
      Duration warmup,
      Duration jitWarmup,
      int rounds,
      int connections,
      int threads,
      List<Integer> sizes,
      int nginxWorkers,
      int edgeIoThreads,
      @Nullable Path report,
      List<String> edgeJvm,
      double rate,
      List<String> edgeSettings,
      CpuPlacement cpus) {}

  record Result(
      String server,
      int size,
      int round,
      WrkRun wrk,
      double allocatedPerRequest,
      double cpuMicrosPerRequest,
      MachineLoad.Figures load) {}

  private EdgeVsNginx() {}

  public static void main(String[] args) throws Exception {
    Options o = parse(args);
    CpuPlacement.apply(o.cpus());
    List<Result> results = run(o);
    String table = report(o, results);
    System.out.println(table);
    if (o.report() != null) {
      Files.writeString(o.report(), table);
      System.out.println("report written to " + o.report());
    }
  }

  static Options parse(String[] args) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String a : args) {
      if (!a.startsWith("--") || a.indexOf('=') < 0) {
        throw new IllegalArgumentException("argument: " + a + " (expected: --name=value)");
      }
      m.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
    }
    CpuPlacement cpus = CpuPlacement.of(m.get("server-cpus"), m.get("client-cpus"));
    int cores = cpus.serverCpuCount();
    Options o =
        new Options(
            io.imgcdn.common.config.Settings.parseDuration(m.getOrDefault("duration", "15s")),
            io.imgcdn.common.config.Settings.parseDuration(m.getOrDefault("warmup", "5s")),
            io.imgcdn.common.config.Settings.parseDuration(m.getOrDefault("jit-warmup", "10s")),
            Integer.parseInt(m.getOrDefault("rounds", "3")),
            Integer.parseInt(m.getOrDefault("connections", "64")),
            Integer.parseInt(m.getOrDefault("threads", "2")),
            Arrays.stream(m.getOrDefault("sizes", "10240,61440").split(","))
                .map(String::trim)
                .map(Integer::valueOf)
                .toList(),
            Integer.parseInt(m.getOrDefault("nginx-workers", String.valueOf(cores))),
            Integer.parseInt(m.getOrDefault("edge-io-threads", String.valueOf(cores))),
            m.containsKey("report") ? Path.of(m.get("report")) : null,
            m.containsKey("edge-jvm") ? List.of(m.get("edge-jvm").trim().split("\\s+")) : List.of(),
            Double.parseDouble(m.getOrDefault("rate", "0")),
            m.containsKey("edge-set") ? List.of(m.get("edge-set").trim().split(",")) : List.of(),
            cpus);
    for (String k : m.keySet()) {
      if (!List.of(
              "duration",
              "warmup",
              "jit-warmup",
              "rounds",
              "connections",
              "threads",
              "sizes",
              "nginx-workers",
              "edge-io-threads",
              "report",
              "edge-jvm",
              "rate",
              "edge-set",
              "server-cpus",
              "client-cpus")
          .contains(k)) {
        throw new IllegalArgumentException("unknown option --" + k);
      }
    }
    return o;
  }

  static List<Result> run(Options o) throws Exception {
    for (Path binary : List.of(Path.of("/usr/sbin/nginx"), WrkRun.BINARY)) {
      if (!Files.isExecutable(binary)) {
        throw new IllegalStateException(
            binary + " not found (Debian: apt-get install -y nginx wrk)");
      }
    }
    Path dir =
        Files.createDirectories(
            Path.of("/dev/shm", "imgcdn-edge-vs-nginx-" + ProcessHandle.current().pid()));
    List<Result> results = new ArrayList<>();
    try {
      Path objects = Files.createDirectories(dir.resolve("objects"));
      Map<Integer, byte[]> bodies = new LinkedHashMap<>();
      for (int size : o.sizes()) {
        byte[] body = new byte[size];
        new SplittableRandom(size).nextBytes(body);
        Files.write(objects.resolve("o" + size + ".jpg"), body);
        bodies.put(size, body);
      }
      int originPort = freePort();
      int nginxPort = freePort();
      int edgePort = freePort();
      Path conf = dir.resolve("nginx.conf");
      Files.writeString(conf, nginxConf(dir, o.nginxWorkers(), originPort, nginxPort));
      try (Child nginx =
          Child.start(
              "nginx",
              o.cpus()
                  .server(List.of("/usr/sbin/nginx", "-p", dir.toString(), "-c", conf.toString())),
              dir.resolve("nginx.log"))) {
        awaitPort(nginxPort, nginx);
        awaitPort(originPort, nginx);
        Path cluster = dir.resolve("cluster.conf");
        Files.writeString(cluster, "shard shard-1 127.0.0.1:" + originPort + "\n");
        List<String> cmd =
            new ArrayList<>(
                List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    o.edgeJvm().stream().anyMatch(f -> f.matches("-XX:\\+Use\\w+GC"))
                        ? "-Dimgcdn.gc=given"
                        : "-XX:+UseG1GC",
                    "-Xmx512m",
                    "-Xms512m", // fixed: the full GC after the warm-up must not shrink the heap to
                    // ~50 MB
                    "--sun-misc-unsafe-memory-access=allow",
                    "-Dio.netty.noUnsafe=false",
                    "--enable-native-access=ALL-UNNAMED"));
        cmd.addAll(o.edgeJvm());
        cmd.addAll(
            List.of(
                "-cp",
                System.getProperty("java.class.path"),
                EdgeNode.class.getName(),
                "node.id=edge-1",
                "server.host=127.0.0.1",
                "server.port=" + edgePort,
                "admin.port=0",
                "server.io-threads=" + o.edgeIoThreads(),
                "edge.cache.max-bytes=256m",
                "server.access-log=off", // as nginx's access_log off below: neither logs a line per
                // hit
                "cluster.file=" + cluster));
        cmd.addAll(o.edgeSettings()); // --edge-set=key=value,key=value: later settings win
        try (Child edge =
            Child.interactive("edge", o.cpus().server(cmd), dir.resolve("edge.log"))) {
          edge.expect("EDGE-READY");
          Map<String, String> servers = new LinkedHashMap<>();
          servers.put("edge", "http://127.0.0.1:" + edgePort);
          servers.put("nginx", "http://127.0.0.1:" + nginxPort);
          for (Map.Entry<Integer, byte[]> body : bodies.entrySet()) {
            int size = body.getKey();
            warm(
                servers.get("edge") + "/o" + size + ".jpg",
                body.getValue(),
                "X-Cache",
                "edge-1;hit");
            warm(
                servers.get("nginx") + "/o" + size + ".jpg",
                body.getValue(),
                "X-Cache-Status",
                "HIT");
          }
          // Both get the same load before the first measured run: the edge's JIT compiles its hot
          // path then
          // (a JVM needs seconds of load for that; nginx needs none, it only fills its page cache).
          for (int size : o.sizes()) {
            for (String server : servers.keySet()) {
              load(
                  o,
                  servers.get(server) + "/o" + size + ".jpg",
                  size,
                  o.jitWarmup(),
                  dir.resolve("wrk.log"));
            }
          }
          // A long-running edge has long since promoted what it made at start-up (Netty's pools,
          // JIT and
          // metrics structures); a young GC in a minute-long run would still copy them between
          // survivor
          // spaces each time. One full GC after the warm-up leaves the measured runs in that steady
          // state.
          edge.ask("gc", "EDGE-STATS");
          for (int round = 0; round < o.rounds(); round++) {
            for (int size : o.sizes()) {
              List<String> order =
                  round % 2 == 0 ? List.of("edge", "nginx") : List.of("nginx", "edge");
              for (String server : order) {
                String url = servers.get(server) + "/o" + size + ".jpg";
                Path log = dir.resolve("wrk.log");
                load(o, url, size, o.warmup(), log);
                long before = server.equals("edge") ? allocated(edge) : 0;
                // CPU of the server under test only (nginx: master and workers; the origin block is
                // idle on hits)
                List<Long> pids = List.of((server.equals("edge") ? edge : nginx).process().pid());
                Duration cpuBefore = CpuTime.of(pids);
                long[] machineBefore = machineTicks();
                MachineLoad others = MachineLoad.start();
                WrkRun w = load(o, url, size, o.duration(), log);
                MachineLoad.Figures load = others.end();
                long[] machineAfter = machineTicks();
                double cpuPerRequest =
                    CpuTime.microsPerResponse(CpuTime.of(pids).minus(cpuBefore), w.requests());
                double perRequest =
                    server.equals("edge")
                        ? (double) (allocated(edge) - before) / Math.max(1, w.requests())
                        : Double.NaN;
                results.add(new Result(server, size, round, w, perRequest, cpuPerRequest, load));
                System.out.printf(
                    Locale.ROOT,
                    "round %d %-5s %6d B: %,10.0f req/s  p50 %6.3f ms  p99 %6.3f ms  "
                        + "errors %d  cpu %.1f us/req (wrk %.1f; machine %s; %s)%s%n",
                    round,
                    server,
                    size,
                    w.requestsPerSecond(),
                    w.p50Millis(),
                    w.p99Millis(),
                    w.errors(),
                    cpuPerRequest,
                    w.cpuSeconds() * 1e6 / w.requests(),
                    machineShares(machineBefore, machineAfter),
                    load.text(),
                    Double.isNaN(perRequest)
                        ? ""
                        : String.format(Locale.ROOT, "  alloc %.0f B/req", perRequest));
              }
            }
          }
        }
      }
    } finally {
      delete(dir);
    }
    return results;
  }

  /**
   * One run against {@code url}: wrk (closed loop) by default; with {@code --rate}, the bench's own
   * generator in an open loop at that many requests per second, latency from each request's
   * intended send time (so a stall is charged to every request it delays, not only to the one in
   * flight: at an equal offered load the two servers' tails compare fairly).
   */
  static WrkRun load(Options o, String url, int size, Duration duration, Path log)
      throws Exception {
    if (o.rate() <= 0) {
      return WrkRun.run(url, o.threads(), o.connections(), duration, log);
    }
    URI u = URI.create(url);
    Trace trace = Trace.of(List.of(new TraceRequest(u.getPath(), size)).iterator());
    LoadSpec spec =
        new LoadSpec(
            List.of(URI.create(u.getScheme() + "://" + u.getAuthority())),
            trace,
            0,
            o.connections(),
            o.rate(),
            Long.MAX_VALUE,
            duration,
            Duration.ofSeconds(10),
            Duration.ofSeconds(2),
            o.threads(),
            null);
    LoadResult r = LoadGenerator.run(spec);
    return new WrkRun(
        r.responses(),
        r.seconds(),
        r.requestsPerSecond(),
        r.latencyMillis(50),
        r.latencyMillis(99),
        r.errorCount() + r.unsent(),
        Double.NaN);
  }

  static long allocated(Child edge) throws IOException {
    String stats = edge.ask("stats", "EDGE-STATS");
    for (String kv : stats.split(" ")) {
      if (kv.startsWith("allocated=")) {
        return Long.parseLong(kv.substring("allocated=".length()));
      }
    }
    throw new IllegalStateException("no allocated= in " + stats);
  }

  /**
   * The machine's CPU ticks from /proc/stat: user+nice, system, idle+iowait, irq+softirq, steal.
   */
  static long[] machineTicks() throws IOException {
    String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
    long[] v = new long[f.length - 1];
    for (int i = 1; i < f.length; i++) {
      v[i - 1] = Long.parseLong(f[i]);
    }
    return new long[] {v[0] + v[1], v[2], v[3] + v[4], v[5] + v[6], v.length > 7 ? v[7] : 0};
  }

  /** Shares of the machine's CPU time between two {@link #machineTicks()} readings. */
  static String machineShares(long[] before, long[] after) {
    long total = 0;
    for (int i = 0; i < before.length; i++) {
      total += after[i] - before[i];
    }
    String[] names = {"user", "sys", "idle", "irq", "steal"};
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < names.length; i++) {
      b.append(i == 0 ? "" : " ")
          .append(names[i])
          .append(' ')
          .append(Math.round(100.0 * (after[i] - before[i]) / Math.max(1, total)))
          .append('%');
    }
    return b.toString();
  }

  static String nginxConf(Path dir, int workers, int originPort, int frontPort) {
    boolean root = "root".equals(System.getProperty("user.name"));
    return String.join(
        "\n",
        "daemon off;",
        "master_process on;",
        "worker_processes " + workers + ";",
        root ? "user root;" : "",
        "pid " + dir.resolve("nginx.pid") + ";",
        "error_log " + dir.resolve("error.log") + " warn;",
        "events { worker_connections 4096; }",
        "http {",
        "  access_log off;",
        "  sendfile on;",
        "  tcp_nopush on;",
        "  tcp_nodelay on;",
        "  keepalive_timeout 120s;",
        "  keepalive_requests 1000000;",
        "  types { image/jpeg jpg; }",
        "  client_body_temp_path " + dir.resolve("client_body_temp") + ";",
        "  proxy_temp_path " + dir.resolve("proxy_temp") + ";",
        "  fastcgi_temp_path " + dir.resolve("fastcgi_temp") + ";",
        "  uwsgi_temp_path " + dir.resolve("uwsgi_temp") + ";",
        "  scgi_temp_path " + dir.resolve("scgi_temp") + ";",
        "  proxy_cache_path "
            + dir.resolve("cache")
            + " levels=1:2 keys_zone=front:16m max_size=256m inactive=7d"
            + " use_temp_path=off;",
        "  upstream origin { server 127.0.0.1:" + originPort + "; keepalive 16; }",
        "  server {",
        "    listen 127.0.0.1:" + originPort + ";",
        "    root " + dir.resolve("objects") + ";",
        "    location / { add_header Cache-Control \"public, max-age=31536000, immutable\"; }",
        "  }",
        "  server {",
        "    listen 127.0.0.1:" + frontPort + " backlog=4096;",
        "    location / {",
        "      proxy_pass http://origin;",
        "      proxy_http_version 1.1;",
        "      proxy_set_header Connection \"\";",
        "      proxy_cache front;",
        "      proxy_cache_key $request_uri;",
        "      proxy_cache_valid 200 7d;",
        "      proxy_cache_lock on;",
        "      add_header X-Cache-Status $upstream_cache_status;",
        "    }",
        "  }",
        "}",
        "");
  }

  /**
   * GETs the URL until it is a hit (header says so) with the expected body, and then 20 times more.
   */
  static void warm(String url, byte[] expected, String header, String hitValue) throws IOException {
    boolean hit = false;
    for (int i = 0; i < 25; i++) {
      HttpURLConnection c = (HttpURLConnection) URI.create(url).toURL().openConnection();
      try (InputStream in = c.getInputStream()) {
        byte[] body = in.readAllBytes();
        if (c.getResponseCode() != 200 || !Arrays.equals(body, expected)) {
          throw new IllegalStateException(
              url
                  + ": status "
                  + c.getResponseCode()
                  + ", "
                  + body.length
                  + " bytes (expected 200 with the "
                  + expected.length
                  + "-byte object)");
        }
        hit |= hitValue.equals(c.getHeaderField(header));
      }
    }
    if (!hit) {
      throw new IllegalStateException(
          url + ": never a hit (" + header + " never " + hitValue + ")");
    }
  }

  static String report(Options o, List<Result> results) throws IOException {
    StringBuilder b = new StringBuilder();
    b.append("Cache hits, one object per size, ")
        .append(o.connections())
        .append(" connections, ")
        .append(
            o.rate() > 0
                ? String.format(
                    Locale.ROOT,
                    "open loop at %,.0f req/s (bench generator, %d threads, latency from the"
                        + " intended send time; errors include requests it could not send in time)",
                    o.rate(),
                    o.threads())
                : "wrk -t" + o.threads())
        .append(", ")
        .append(o.duration().toSeconds())
        .append(" s per run after ")
        .append(o.warmup().toSeconds())
        .append(" s of warm-up (and ")
        .append(o.jitWarmup().toSeconds())
        .append(" s per server and size before the first round), ")
        .append(o.rounds())
        .append(" rounds alternating the order; ")
        .append(machine())
        .append("; ")
        .append(o.cpus().describe())
        .append(".\n\n");
    b.append(
        "| object | server | req/s (mean of rounds) | p50 ms | p99 ms | errors | CPU µs/req |"
            + " edge/nginx req/s | nginx/edge CPU per req | edge alloc B/req |\n");
    b.append("|---|---|---|---|---|---|---|---|---|---|\n");
    for (int size : o.sizes()) {
      double edgeRps = mean(results, "edge", size, r -> r.wrk().requestsPerSecond());
      double nginxRps = mean(results, "nginx", size, r -> r.wrk().requestsPerSecond());
      for (String server : List.of("edge", "nginx")) {
        double edgeCpu = mean(results, "edge", size, Result::cpuMicrosPerRequest);
        double nginxCpu = mean(results, "nginx", size, Result::cpuMicrosPerRequest);
        b.append(
            String.format(
                Locale.ROOT,
                "| %d KB | %s | %,.0f | %.3f | %.3f | %d | %.1f | %s | %s | %s |%n",
                size / 1024,
                server,
                mean(results, server, size, r -> r.wrk().requestsPerSecond()),
                mean(results, server, size, r -> r.wrk().p50Millis()),
                mean(results, server, size, r -> r.wrk().p99Millis()),
                results.stream()
                    .filter(r -> r.server().equals(server) && r.size() == size)
                    .mapToLong(r -> r.wrk().errors())
                    .sum(),
                server.equals("edge") ? edgeCpu : nginxCpu,
                server.equals("edge") ? String.format(Locale.ROOT, "%.2f", edgeRps / nginxRps) : "",
                server.equals("edge") ? String.format(Locale.ROOT, "%.2f", nginxCpu / edgeCpu) : "",
                server.equals("edge")
                    ? String.format(
                        Locale.ROOT,
                        "%.0f",
                        mean(results, "edge", size, Result::allocatedPerRequest))
                    : ""));
      }
    }
    b.append(
        "\n"
            + "Every run (wrk's own CPU per response in the last column: it shares the cores, so it"
            + " bounds the rate):\n\n"
            + "| round | object | server | req/s | p50 ms | p99 ms | CPU µs/req | wrk CPU µs/req"
            + " | other CPU (cores) | load avg |\n"
            + "|---|---|---|---|---|---|---|---|---|---|\n");
    for (Result r : results) {
      b.append(
          String.format(
              Locale.ROOT,
              "| %d | %d KB | %s | %,.0f | %.3f | %.3f | %.1f | %.1f | %.2f | %s |%n",
              r.round(),
              r.size() / 1024,
              r.server(),
              r.wrk().requestsPerSecond(),
              r.wrk().p50Millis(),
              r.wrk().p99Millis(),
              r.cpuMicrosPerRequest(),
              r.wrk().cpuSeconds() * 1e6 / r.wrk().requests(),
              r.load().otherCores(),
              r.load().loadAverage()));
    }
    return b.toString();
  }

  private static double mean(
      List<Result> results,
      String server,
      int size,
      java.util.function.ToDoubleFunction<Result> f) {
    return results.stream()
        .filter(r -> r.server().equals(server) && r.size() == size)
        .mapToDouble(f)
        .average()
        .orElse(Double.NaN);
  }

  static String machine() throws IOException {
    String load = Files.readString(Path.of("/proc/loadavg")).trim().split(" ")[0];
    String nginx =
        new String(
                new ProcessBuilder("/usr/sbin/nginx", "-v")
                    .redirectErrorStream(true)
                    .start()
                    .getInputStream()
                    .readAllBytes(),
                StandardCharsets.UTF_8)
            .trim();
    return CpuPlacement.machineCpus()
        + " cores, Java "
        + Runtime.version()
        + ", "
        + nginx.replace("nginx version: ", "")
        + ", load average "
        + load
        + " at the end, "
        + Instant.now();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  static void awaitPort(int port, Child owner) throws Exception {
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (System.nanoTime() < deadline) {
      if (!owner.process().isAlive()) {
        throw new IllegalStateException(owner + " exited before listening on " + port);
      }
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(50); // polling a port another process opens: nothing to wait on but time
      }
    }
    throw new IllegalStateException(owner + " not listening on " + port + " after 30 s");
  }

  static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
