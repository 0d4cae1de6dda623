package io.imgcdn.bench.edge;

import io.imgcdn.common.config.Settings;
import io.imgcdn.edge.EdgeServer;
import io.imgcdn.edge.config.EdgeConfig;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * An edge node in a JVM of its own for the edge benchmarks, driven over stdin: prints {@code
 * EDGE-READY <port> <adminPort>} once serving, answers {@code stats} with one line of {@code
 * key=value} figures (bytes allocated by all threads so far, heap used, cache sizes, RSS), and
 * stops on {@code quit} or when stdin closes (so it never outlives the harness that started it).
 *
 * <p>Arguments: edge settings as {@code key=value} (the keys of EdgeConfig).
 */
public final class EdgeNode {
  private EdgeNode() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> values = new HashMap<>();
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("argument: " + a + " (expected: key=value)");
      }
      values.put(a.substring(0, eq), a.substring(eq + 1));
    }
    // The peers (nginx, ATS) run without access logs; so does the edge unless a run asks for one.
    values.putIfAbsent("server.access-log", "off");
    Settings settings = Settings.of(values);
    EdgeConfig config = EdgeConfig.from(settings);
    settings.finish();
    try (EdgeServer edge = EdgeServer.start(config)) {
      System.out.println("EDGE-READY " + edge.port() + " " + edge.adminPort());
      System.out.flush();
      BufferedReader in =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      String line;
      while ((line = in.readLine()) != null) {
        switch (line.trim()) {
          case "stats" -> System.out.println("EDGE-STATS " + stats(edge, false));
          case "gc" -> System.out.println("EDGE-STATS " + stats(edge, true));
          case "quit" -> {
            return;
          }
          default -> System.out.println("EDGE-ERROR unknown command: " + line);
        }
        System.out.flush();
      }
    }
  }

  static String stats(EdgeServer edge, boolean gcFirst) throws Exception {
    if (gcFirst) {
      System.gc();
    }
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    Runtime rt = Runtime.getRuntime();
    return "allocated="
        + threads.getTotalThreadAllocatedBytes()
        + " heapUsed="
        + (rt.totalMemory() - rt.freeMemory())
        + " heapMax="
        + rt.maxMemory()
        + " cacheWeighted="
        + edge.cache().weightedBytes()
        + " cacheObjects="
        + edge.cache().objects()
        + " offHeapBytes="
        + edge.cache().liveBytes()
        + " rss="
        + rssBytes();
  }

  static long rssBytes() throws Exception {
    for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (l.startsWith("VmRSS:")) {
        return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return -1;
  }
}
