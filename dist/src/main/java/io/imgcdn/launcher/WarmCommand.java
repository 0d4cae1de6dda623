package io.imgcdn.launcher;

import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code imgcdn warm}: pre-fills the cluster by fetching a list of URLs through an edge. */
@Command(
    name = "warm",
    mixinStandardHelpOptions = true,
    description =
        "Fetch every URL in a file through an edge, so the tiers hold them; prints progress and a"
            + " summary.")
final class WarmCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--urls",
      required = true,
      paramLabel = "FILE",
      description =
          "One path (/v/w150/a.jpg) or URL per line; blank lines and # comments are skipped.")
  Path urls;

  @Option(
      names = "--edge",
      defaultValue = "http://127.0.0.1:8080",
      description = "Edge base URL for paths (default ${DEFAULT-VALUE}).")
  String edge;

  @Option(
      names = "--concurrency",
      defaultValue = "8",
      description = "Requests in flight (default ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(
      names = "--timeout",
      defaultValue = "30s",
      description = "Per request (default ${DEFAULT-VALUE}).")
  String timeout;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (concurrency < 1 || concurrency > 1024) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--concurrency: " + concurrency + " (expected: 1 to 1024)");
    }
    Duration perRequest = io.imgcdn.common.config.Settings.parseDuration(timeout);
    List<String> targets =
        Files.readAllLines(urls, StandardCharsets.UTF_8).stream()
            .map(String::strip)
            .filter(l -> !l.isEmpty() && !l.startsWith("#"))
            .toList();
    String base = edge.endsWith("/") ? edge.substring(0, edge.length() - 1) : edge;
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    Semaphore inFlight = new Semaphore(concurrency);
    AtomicLong done = new AtomicLong();
    AtomicLong bytes = new AtomicLong();
    Map<String, AtomicLong> statuses = new ConcurrentHashMap<>();
    Map<String, AtomicLong> verdicts = new ConcurrentHashMap<>();
    long start = System.nanoTime();
    int lastPercent = -1;
    for (String t : targets) {
      inFlight.acquire();
      URI uri =
          URI.create(
              t.startsWith("http://") || t.startsWith("https://")
                  ? t
                  : base + (t.startsWith("/") ? t : "/" + t));
      http.sendAsync(
              HttpRequest.newBuilder(uri).timeout(perRequest).build(),
              HttpResponse.BodyHandlers.ofByteArray())
          .whenComplete(
              (r, failure) -> {
                String status =
                    failure != null
                        ? "failed (" + failure.getClass().getSimpleName() + ")"
                        : String.valueOf(r.statusCode());
                statuses.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
                if (r != null) {
                  bytes.addAndGet(r.body().length);
                  String xCache = r.headers().firstValue("X-Cache").orElse("");
                  int semi = xCache.indexOf(';');
                  int comma = xCache.indexOf(',');
                  String verdict =
                      semi < 0
                          ? "none"
                          : xCache.substring(semi + 1, comma < 0 ? xCache.length() : comma);
                  verdicts.computeIfAbsent(verdict, v -> new AtomicLong()).incrementAndGet();
                }
                done.incrementAndGet();
                inFlight.release();
              });
      lastPercent = progress(err, done.get(), targets.size(), lastPercent);
    }
    inFlight.acquire(concurrency);
    progress(err, done.get(), targets.size(), lastPercent);
    double seconds = (System.nanoTime() - start) / 1e9;
    out.printf(
        "warmed %d URLs in %.1f s (%.0f/s), %,d bytes%n",
        targets.size(), seconds, targets.size() / Math.max(seconds, 1e-9), bytes.get());
    out.println("  status: " + counts(statuses));
    out.println("  edge verdict before warming: " + counts(verdicts));
    out.flush();
    boolean allOk = statuses.keySet().stream().allMatch(s -> s.equals("200"));
    return allOk ? 0 : 1;
  }

  private static String counts(Map<String, AtomicLong> m) {
    StringBuilder s = new StringBuilder();
    new TreeMap<>(m)
        .forEach((k, v) -> s.append(s.isEmpty() ? "" : ", ").append(k).append('=').append(v.get()));
    return s.isEmpty() ? "-" : s.toString();
  }

  /** A one-line bar on stderr, redrawn at most once per percent. */
  private static int progress(PrintWriter err, long done, int total, int lastPercent) {
    int percent = total == 0 ? 100 : (int) (done * 100 / total);
    if (percent != lastPercent) {
      int filled = percent / 4;
      err.printf("\r[%-25s] %3d%% %d/%d", "#".repeat(filled), percent, done, total);
      if (percent == 100) {
        err.println();
      }
      err.flush();
    }
    return percent;
  }
}
