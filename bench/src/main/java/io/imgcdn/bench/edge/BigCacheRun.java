package io.imgcdn.bench.edge;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A large cache on a small heap: an edge with a 4 GB cache in a JVM limited to -Xmx256m, filled
 * with 1 MB objects from a static origin (nginx) until the cache is full, then served hits with
 * wrk; prints the heap in use after a full GC, the off-heap bytes, the objects and the process RSS
 * at each step.
 *
 * <p>Run from a fresh checkout with {@code bench/edge-big-cache.sh}; options {@code --cache=4g
 * --heap=256m --object=1m --overfill=1.1 --hits=10s}. Stops everything it starts by pid.
 */
public final class BigCacheRun {
  private BigCacheRun() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> m = new LinkedHashMap<>();
    for (String a : args) {
      if (!a.startsWith("--") || a.indexOf('=') < 0) {
        throw new IllegalArgumentException("argument: " + a + " (expected: --name=value)");
      }
      m.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
    }
    long cache = io.imgcdn.common.config.Settings.parseBytes(m.getOrDefault("cache", "4g"));
    String heap = m.getOrDefault("heap", "256m");
    int object = (int) io.imgcdn.common.config.Settings.parseBytes(m.getOrDefault("object", "1m"));
    double overfill = Double.parseDouble(m.getOrDefault("overfill", "1.1"));
    long hitSeconds =
        io.imgcdn.common.config.Settings.parseDuration(m.getOrDefault("hits", "10s")).toSeconds();
    long directLimit = cache + (512L << 20);

    Path dir =
        Files.createDirectories(
            Path.of("/dev/shm", "imgcdn-edge-big-cache-" + ProcessHandle.current().pid()));
    List<String> report = new ArrayList<>();
    try {
      Path objects = Files.createDirectories(dir.resolve("objects"));
      byte[] body = new byte[object];
      new SplittableRandom(7).nextBytes(body);
      Files.write(objects.resolve("object.jpg"), body);
      int originPort = EdgeVsNginx.freePort();
      int edgePort = EdgeVsNginx.freePort();
      Path conf = dir.resolve("nginx.conf");
      boolean root = "root".equals(System.getProperty("user.name"));
      Files.writeString(
          conf,
          String.join(
              "\n",
              "daemon off;",
              "master_process on;",
              "worker_processes 1;",
              root ? "user root;" : "",
              "pid " + dir.resolve("nginx.pid") + ";",
              "error_log " + dir.resolve("error.log") + " warn;",
              "events { worker_connections 1024; }",
              "http {",
              "  access_log off;",
              "  sendfile on;",
              "  types { image/jpeg jpg; }",
              "  client_body_temp_path " + dir.resolve("client_body_temp") + ";",
              "  proxy_temp_path " + dir.resolve("proxy_temp") + ";",
              "  fastcgi_temp_path " + dir.resolve("fastcgi_temp") + ";",
              "  uwsgi_temp_path " + dir.resolve("uwsgi_temp") + ";",
              "  scgi_temp_path " + dir.resolve("scgi_temp") + ";",
              "  server {",
              "    listen 127.0.0.1:" + originPort + ";",
              "    root " + objects + ";",
              "    location / { rewrite ^ /object.jpg break; add_header Cache-Control \"public,"
                  + " max-age=31536000, immutable\"; }",
              "  }",
              "}",
              ""));
      try (Child nginx =
          Child.start(
              "nginx",
              List.of("/usr/sbin/nginx", "-p", dir.toString(), "-c", conf.toString()),
              dir.resolve("nginx.log"))) {
        EdgeVsNginx.awaitPort(originPort, nginx);
        Path cluster = dir.resolve("cluster.conf");
        Files.writeString(cluster, "shard shard-1 127.0.0.1:" + originPort + "\n");
        List<String> cmd =
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseG1GC",
                "-Xmx" + heap,
                "-XX:MaxDirectMemorySize=" + directLimit,
                "--sun-misc-unsafe-memory-access=allow",
                "-Dio.netty.noUnsafe=false",
                "--enable-native-access=ALL-UNNAMED",
                "-cp",
                System.getProperty("java.class.path"),
                EdgeNode.class.getName(),
                "node.id=edge-1",
                "server.host=127.0.0.1",
                "server.port=" + edgePort,
                "admin.port=0",
                "edge.cache.max-bytes=" + cache,
                "edge.cache.max-object-bytes=" + Math.max(object, 4 << 20),
                "cluster.file=" + cluster);
        report.add(
            "edge JVM: -Xmx"
                + heap
                + " -XX:MaxDirectMemorySize="
                + (directLimit >> 20)
                + "m, cache "
                + (cache >> 20)
                + " MB, objects of "
                + (object >> 10)
                + " KB");
        try (Child edge = Child.interactive("edge", cmd, dir.resolve("edge.log"))) {
          edge.expect("EDGE-READY");
          report.add(line("started", edge.ask("gc", "EDGE-STATS")));
          int count = (int) Math.ceil(cache * overfill / (object + 512.0));
          long start = System.nanoTime();
          long fetched = fill(edgePort, count);
          double seconds = (System.nanoTime() - start) / 1e9;
          report.add(
              String.format(
                  Locale.ROOT,
                  "filled: %d distinct objects, %.1f GB through the edge in %.1f s",
                  count,
                  fetched / 1e9,
                  seconds));
          report.add(line("after fill", edge.ask("gc", "EDGE-STATS")));
          WrkRun w =
              WrkRun.run(
                  "http://127.0.0.1:" + edgePort + "/fill/1.jpg",
                  2,
                  32,
                  java.time.Duration.ofSeconds(hitSeconds),
                  dir.resolve("wrk.log"));
          report.add(
              String.format(
                  Locale.ROOT,
                  "hits on one cached object, wrk -t2 -c32 %ds: %,.0f req/s, p99 %.2f ms, "
                      + "errors %d",
                  hitSeconds,
                  w.requestsPerSecond(),
                  w.p99Millis(),
                  w.errors()));
          report.add(line("after hits", edge.ask("gc", "EDGE-STATS")));
        }
      }
    } finally {
      EdgeVsNginx.delete(dir);
    }
    report.forEach(System.out::println);
  }

  /**
   * GETs /fill/0.jpg .. /fill/(count-1).jpg through the edge, 8 at a time; returns the bytes read.
   */
  static long fill(int port, int count) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    AtomicLong bytes = new AtomicLong();
    AtomicLong next = new AtomicLong();
    try (ExecutorService pool = Executors.newFixedThreadPool(8)) {
      List<Future<?>> workers = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        workers.add(
            pool.submit(
                () -> {
                  long i;
                  while ((i = next.getAndIncrement()) < count) {
                    HttpResponse<InputStream> r =
                        http.send(
                            HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + port + "/fill/" + i + ".jpg"))
                                .build(),
                            HttpResponse.BodyHandlers.ofInputStream());
                    try (InputStream in = r.body()) {
                      bytes.addAndGet(in.transferTo(java.io.OutputStream.nullOutputStream()));
                    }
                    if (r.statusCode() != 200) {
                      throw new IllegalStateException("/fill/" + i + ".jpg: " + r.statusCode());
                    }
                  }
                  return null;
                }));
      }
      for (Future<?> f : workers) {
        f.get();
      }
    }
    return bytes.get();
  }

  static String line(String when, String stats) {
    Map<String, Long> v = new LinkedHashMap<>();
    for (String kv : stats.split(" ")) {
      int eq = kv.indexOf('=');
      v.put(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)));
    }
    return String.format(
        Locale.ROOT,
        "%-10s heap used after GC %5.1f MB of %d MB; cache %,d objects, %.2f GB "
            + "off-heap (index weight %.2f GB); process RSS %.2f GB",
        when + ":",
        stat(v, "heapUsed") / 1048576.0,
        stat(v, "heapMax") >> 20,
        stat(v, "cacheObjects"),
        stat(v, "offHeapBytes") / 1e9,
        stat(v, "cacheWeighted") / 1e9,
        stat(v, "rss") / 1e9);
  }

  private static long stat(Map<String, Long> stats, String name) {
    Long value = stats.get(name);
    if (value == null) {
      throw new IllegalArgumentException("no " + name + " in the edge's stats: " + stats);
    }
    return value;
  }
}
