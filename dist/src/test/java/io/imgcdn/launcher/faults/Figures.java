package io.imgcdn.launcher.faults;

import io.imgcdn.launcher.faults.ZipfLoad.Outcome;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Summaries of load outcomes for the figures the fault tests print (and docs/BENCHMARKS.md quotes).
 */
final class Figures {
  private Figures() {}

  /** "n=1234 2345/s p50=1.2ms p99=8.0ms max=20ms" over outcomes sent between two instants. */
  static String summary(List<Outcome> outcomes, long fromNanos, long toNanos) {
    long[] micros =
        outcomes.stream()
            .mapToLong(o -> (o.endNanos() - o.startNanos()) / 1_000)
            .sorted()
            .toArray();
    if (micros.length == 0) {
      return "n=0";
    }
    double seconds = Math.max(1e-9, (toNanos - fromNanos) / 1e9);
    return String.format(
        Locale.ROOT,
        "n=%d %.0f/s p50=%.1fms p99=%.1fms max=%.0fms",
        micros.length,
        micros.length / seconds,
        percentile(micros, 0.50) / 1e3,
        percentile(micros, 0.99) / 1e3,
        micros[micros.length - 1] / 1e3);
  }

  /** The same over the span from the first request sent to the last answer. */
  static String summary(List<Outcome> outcomes) {
    if (outcomes.isEmpty()) {
      return "n=0";
    }
    long from = outcomes.stream().mapToLong(Outcome::startNanos).min().orElseThrow();
    long to = outcomes.stream().mapToLong(Outcome::endNanos).max().orElseThrow();
    return summary(outcomes, from, to);
  }

  /** Outcomes by status; -1 counts 200s whose body did not match, 0 transport failures. */
  static Map<Integer, Long> statuses(List<Outcome> outcomes) {
    Map<Integer, Long> counts = new TreeMap<>();
    outcomes.forEach(
        o -> counts.merge(o.ok() || o.status() != 200 ? o.status() : -1, 1L, Long::sum));
    return counts;
  }

  static long percentile(long[] sorted, double q) {
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
  }
}
