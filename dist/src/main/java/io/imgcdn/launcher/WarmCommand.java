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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code imgcdn warm}: pre-fills the cluster by fetching a list of URLs through an edge. */
@Command(
    name = "warm",
    mixinStandardHelpOptions = true,
    description =
        "Fetch every URL in a file through an edge, so the tiers hold them; prints progress and a"
            + " summary naming the requests that failed. Exits 1 if any answer was not 200.",
    footer = {
      "",
      "Presets with formats (origin.preset.NAME.formats=avif,webp) keep one copy per Accept class"
          + " (AVIF, WebP, both, neither) in every tier: warm each class browsers will ask for,"
          + " e.g.",
      "  imgcdn warm --urls urls.txt --accept 'image/avif,image/webp,*/*' --accept"
          + " 'image/webp,*/*' --accept '*/*'"
    })
final class WarmCommand implements Callable<Integer> {
  /** How many failed requests the summary names; the rest are counted. */
  static final int FAILURES_LISTED = 20;

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
      names = "--accept",
      paramLabel = "VALUE",
      description =
          "Send this Accept header (repeatable): every URL is fetched once per value given."
              + " Default: one request without Accept, which warms only what clients that name"
              + " neither WebP nor AVIF get.")
  List<String> accepts = new ArrayList<>();

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

  /** One request that did not answer 200: what was asked, and the status or the cause. */
  record Failure(URI uri, @Nullable String accept, String why) {
    @Override
    public String toString() {
      return why + "  " + uri + (accept == null ? "" : "  (Accept: " + accept + ")");
    }
  }

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
    List<@Nullable String> acceptValues =
        accepts.isEmpty() ? java.util.Collections.singletonList(null) : List.copyOf(accepts);
    int total = targets.size() * acceptValues.size();
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
    AtomicInteger failed = new AtomicInteger();
    Queue<Failure> listed = new ConcurrentLinkedQueue<>();
    long start = System.nanoTime();
    int lastPercent = -1;
    for (String t : targets) {
      URI uri =
          URI.create(
              t.startsWith("http://") || t.startsWith("https://")
                  ? t
                  : base + (t.startsWith("/") ? t : "/" + t));
      for (String accept : acceptValues) {
        inFlight.acquire();
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(perRequest);
        if (accept != null) {
          request.header("Accept", accept);
        }
        http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray())
            .whenComplete(
                (r, failure) -> {
                  String status =
                      failure != null
                          ? "failed (" + unwrap(failure).getClass().getSimpleName() + ")"
                          : String.valueOf(r.statusCode());
                  statuses.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
                  if (r != null) {
                    bytes.addAndGet(r.body().length);
                    verdicts
                        .computeIfAbsent(edgeVerdict(r), v -> new AtomicLong())
                        .incrementAndGet();
                  }
                  if (failure != null || r.statusCode() != 200) {
                    if (failed.getAndIncrement() < FAILURES_LISTED) {
                      listed.add(new Failure(uri, accept, why(r, failure)));
                    }
                  }
                  done.incrementAndGet();
                  inFlight.release();
                });
        lastPercent = progress(err, done.get(), total, lastPercent);
      }
    }
    inFlight.acquire(concurrency);
    progress(err, done.get(), total, lastPercent);
    double seconds = (System.nanoTime() - start) / 1e9;
    out.printf(
        "warmed %d URLs%s in %.1f s (%.0f/s), %,d bytes%n",
        targets.size(),
        acceptValues.size() == 1
            ? ""
            : " (" + total + " requests: " + acceptValues.size() + " Accept values each)",
        seconds,
        total / Math.max(seconds, 1e-9),
        bytes.get());
    out.println("  status: " + counts(statuses));
    out.println("  edge verdict before warming: " + counts(verdicts));
    if (failed.get() > 0) {
      out.println("  failed: " + failed.get() + (failed.get() == 1 ? " request" : " requests"));
      listed.forEach(f -> out.println("    " + f));
      if (failed.get() > listed.size()) {
        out.println("    ... and " + (failed.get() - listed.size()) + " more");
      }
    }
    out.flush();
    return failed.get() == 0 ? 0 : 1;
  }

  /** The edge's own verdict, the first entry of X-Cache ({@code edge-1;hit, ...}). */
  private static String edgeVerdict(HttpResponse<byte[]> r) {
    String xCache = r.headers().firstValue("X-Cache").orElse("");
    int semi = xCache.indexOf(';');
    int comma = xCache.indexOf(',');
    return semi < 0 ? "none" : xCache.substring(semi + 1, comma < 0 ? xCache.length() : comma);
  }

  /**
   * The status and the first line of a text body (the tiers' error messages name the reason, e.g.
   * {@code 422 original is 41943040 bytes (limit 33554432)}), or the cause of a failed exchange.
   */
  private static String why(@Nullable HttpResponse<byte[]> r, @Nullable Throwable failure) {
    if (failure != null || r == null) {
      Throwable cause = unwrap(failure);
      return cause.getClass().getSimpleName()
          + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }
    boolean text =
        r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain")
            && r.body().length > 0;
    if (!text) {
      return String.valueOf(r.statusCode());
    }
    String line =
        new String(r.body(), StandardCharsets.UTF_8).strip().lines().findFirst().orElse("");
    return r.statusCode() + " " + (line.length() > 120 ? line.substring(0, 120) + "..." : line);
  }

  /** The exchange's own failure (ConnectException, HttpTimeoutException...), not its wrapper. */
  private static Throwable unwrap(@Nullable Throwable t) {
    Throwable cause = t == null ? new IllegalStateException("no response") : t;
    while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return cause;
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
