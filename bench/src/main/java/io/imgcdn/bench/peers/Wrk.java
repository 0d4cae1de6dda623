package io.imgcdn.bench.peers;

import io.imgcdn.bench.load.WrkScript;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** Runs Debian's wrk with the bench's trace-replaying Lua script and reads its summary line. */
final class Wrk {

  static final Path BINARY = Path.of("/usr/bin/wrk");

  /** wrk's request timeout (its default is 2 s); the bench load generator's is 5 s too. */
  static final int REQUEST_TIMEOUT_SECONDS = 5;

  /**
   * What wrk measured.
   *
   * @param requests completed requests
   * @param seconds how long wrk ran
   * @param errors connect, read, write, timeout and non-2xx/3xx responses together
   * @param errorKinds the non-zero ones by kind, e.g. {@code timeout=56}, or empty
   */
  record Figures(
      long requests,
      double seconds,
      long errors,
      String errorKinds,
      double p50Millis,
      double p99Millis) {
    double requestsPerSecond() {
      return seconds == 0 ? 0 : requests / seconds;
    }
  }

  private Wrk() {}

  static Optional<String> unavailable() {
    return Files.isExecutable(BINARY)
        ? Optional.empty()
        : Optional.of(BINARY + " not found (Debian: apt-get install -y wrk)");
  }

  /**
   * Runs {@code wrk -t<threads> -c<connections> -d<duration>} replaying {@code traceFile} against
   * {@code target}.
   */
  static Figures run(
      URI target, Path traceFile, Path workDir, int threads, int connections, Duration duration)
      throws IOException, InterruptedException {
    Path script = Files.createTempFile(workDir, "wrk-", ".lua");
    Files.writeString(script, WrkScript.lua(traceFile, threads, false), StandardCharsets.UTF_8);
    Path log = Files.createTempFile(workDir, "wrk-", ".log");
    long seconds = Math.max(1, duration.toSeconds());
    PeerProcess p =
        PeerProcess.start(
            "wrk",
            CpuPlacement.current()
                .client(
                    List.of(
                        BINARY.toString(),
                        "-t" + threads,
                        "-c" + Math.max(threads, connections),
                        "-d" + seconds + "s",
                        "--timeout",
                        REQUEST_TIMEOUT_SECONDS + "s",
                        "--latency",
                        "-s",
                        script.toString(),
                        target.toString())),
            workDir,
            log,
            Map.of());
    try {
      if (!p.process().waitFor(seconds + 30, TimeUnit.SECONDS)) {
        throw new IllegalStateException(
            "wrk did not end "
                + (seconds + 30)
                + " s after starting; log:\n"
                + PeerProcess.tail(log, 20));
      }
    } finally {
      p.close();
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    return parse(out)
        .orElseThrow(
            () -> new IllegalStateException("no imgcdn-wrk line in wrk's output:\n" + out));
  }

  /** Reads the {@code imgcdn-wrk: key=value ...} line the script prints at the end. */
  static Optional<Figures> parse(String output) {
    for (String line : output.split("\n")) {
      if (line.startsWith("imgcdn-wrk: ")) {
        Map<String, Long> kv = new HashMap<>();
        for (String w : line.substring("imgcdn-wrk: ".length()).strip().split(" ")) {
          int eq = w.indexOf('=');
          kv.put(w.substring(0, eq), Long.parseLong(w.substring(eq + 1)));
        }
        long errors = 0;
        StringBuilder kinds = new StringBuilder();
        for (String k : List.of("connect", "read", "write", "status", "timeout")) {
          long n = figure(kv, k, line);
          errors += n;
          if (n > 0) {
            kinds.append(kinds.isEmpty() ? "" : " ").append(k).append('=').append(n);
          }
        }
        return Optional.of(
            new Figures(
                figure(kv, "requests", line),
                figure(kv, "duration_us", line) / 1e6,
                errors,
                kinds.toString(),
                figure(kv, "p50_us", line) / 1000.0,
                figure(kv, "p99_us", line) / 1000.0));
      }
    }
    return Optional.empty();
  }

  private static long figure(Map<String, Long> kv, String key, String line) {
    Long value = kv.get(key);
    if (value == null) {
      throw new IllegalArgumentException("no " + key + "= in wrk's line: " + line);
    }
    return value;
  }
}
