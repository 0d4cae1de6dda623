package io.imgcdn.bench.edge;

import io.imgcdn.bench.peers.CpuPlacement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One run of Debian's wrk against one URL, what it printed, and the CPU time wrk itself used (user
 * + system, from the shell's {@code times} after wrk exits): on a machine where the load generator
 * shares the cores with the server, its cost per response bounds the rate any server can show.
 */
record WrkRun(
    long requests,
    double seconds,
    double requestsPerSecond,
    double p50Millis,
    double p99Millis,
    long errors,
    double cpuSeconds) {

  static final Path BINARY = Path.of("/usr/bin/wrk");
  private static final Pattern REQUESTS =
      Pattern.compile("(\\d+) requests in ([0-9.]+)(us|ms|s|m)");
  private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern PERCENTILE =
      Pattern.compile("^\\s*(50|99)(?:\\.000)?%\\s+([0-9.]+)(us|ms|s|m)\\s*$", Pattern.MULTILINE);
  private static final Pattern SOCKET_ERRORS =
      Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
  private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

  /** bash's {@code times}: the shell's user and system time, then its children's (wrk's). */
  private static final Pattern TIMES =
      Pattern.compile("^(\\d+)m([0-9.]+)s (\\d+)m([0-9.]+)s$", Pattern.MULTILINE);

  /**
   * {@code wrk -t<threads> -c<connections> -d<duration> --latency <url>}, output kept in {@code
   * log}.
   */
  static WrkRun run(String url, int threads, int connections, Duration duration, Path log)
      throws IOException, InterruptedException {
    Files.deleteIfExists(log);
    try (Child wrk =
        Child.start(
            "wrk",
            CpuPlacement.current()
                .client(
                    List.of(
                        "/bin/bash",
                        "-c",
                        "\"$@\"; s=$?; times; exit $s",
                        "wrk",
                        BINARY.toString(),
                        "-t" + threads,
                        "-c" + connections,
                        "-d" + Math.max(1, duration.toSeconds()) + "s",
                        "--latency",
                        url)),
            log)) {
      int exit = wrk.await(duration.plusSeconds(30));
      if (exit != 0) {
        throw new IllegalStateException("wrk exited with " + exit + ":\n" + Child.tail(log, 20));
      }
    }
    return parse(Files.readString(log));
  }

  static WrkRun parse(String out) {
    Matcher m = REQUESTS.matcher(out);
    Matcher r = RPS.matcher(out);
    if (!m.find() || !r.find()) {
      throw new IllegalStateException("no summary in wrk's output:\n" + out);
    }
    long requests = Long.parseLong(m.group(1));
    double seconds = millis(m.group(2), m.group(3)) / 1000;
    double p50 = Double.NaN;
    double p99 = Double.NaN;
    Matcher p = PERCENTILE.matcher(out);
    while (p.find()) {
      double v = millis(p.group(2), p.group(3));
      if (p.group(1).equals("50")) {
        p50 = v;
      } else {
        p99 = v;
      }
    }
    long errors = 0;
    Matcher e = SOCKET_ERRORS.matcher(out);
    if (e.find()) {
      for (int i = 1; i <= 4; i++) {
        errors += Long.parseLong(e.group(i));
      }
    }
    Matcher n = NON_2XX.matcher(out);
    if (n.find()) {
      errors += Long.parseLong(n.group(1));
    }
    double cpu = Double.NaN;
    Matcher t = TIMES.matcher(out);
    while (t.find()) { // the last line is the children's
      cpu =
          Long.parseLong(t.group(1)) * 60
              + Double.parseDouble(t.group(2))
              + Long.parseLong(t.group(3)) * 60
              + Double.parseDouble(t.group(4));
    }
    return new WrkRun(requests, seconds, Double.parseDouble(r.group(1)), p50, p99, errors, cpu);
  }

  private static double millis(String value, String unit) {
    double v = Double.parseDouble(value);
    return switch (unit.toLowerCase(Locale.ROOT)) {
      case "us" -> v / 1000;
      case "ms" -> v;
      case "s" -> v * 1000;
      case "m" -> v * 60_000;
      default -> throw new IllegalArgumentException("unit: " + unit);
    };
  }
}
