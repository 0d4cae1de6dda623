package io.imgcdn.bench.report;

import io.imgcdn.bench.load.ErrorKind;
import io.imgcdn.bench.load.LoadResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/** Markdown tables of load runs: one row per run, and hit ratios per tier. */
public final class LoadReport {

  private LoadReport() {}

  /** req/s, MiB/s, latency percentiles and errors, one row per labelled run. */
  public static String summary(List<String> labels, List<LoadResult> results) {
    MarkdownTable t =
        new MarkdownTable(
            "<run",
            "<mode",
            "conns",
            "responses",
            "req/s",
            "MiB/s",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "p99.9 ms",
            "max ms",
            "<errors",
            "<status");
    for (int i = 0; i < results.size(); i++) {
      LoadResult r = results.get(i);
      t.row(
          labels.get(i),
          mode(r),
          r.spec().connections(),
          r.responses(),
          String.format(Locale.ROOT, "%.0f", r.requestsPerSecond()),
          String.format(Locale.ROOT, "%.1f", r.bytesPerSecond() / (1 << 20)),
          String.format(Locale.ROOT, "%.2f", r.latencyMillis(50)),
          String.format(Locale.ROOT, "%.2f", r.latencyMillis(90)),
          String.format(Locale.ROOT, "%.2f", r.latencyMillis(99)),
          String.format(Locale.ROOT, "%.2f", r.latencyMillis(99.9)),
          String.format(Locale.ROOT, "%.2f", r.latencyMicros().getMaxValue() / 1000.0),
          errors(r),
          statuses(r));
    }
    return t.render();
  }

  /** Per tier: hit ratio and verdict counts, one row per run and tier. */
  public static String tiers(List<String> labels, List<LoadResult> results) {
    TreeSet<String> verdicts = new TreeSet<>();
    results.forEach(r -> r.tiers().values().forEach(v -> verdicts.addAll(v.keySet())));
    List<String> columns = new ArrayList<>(List.of("<run", "<tier", "hit ratio"));
    verdicts.forEach(columns::add);
    MarkdownTable t = new MarkdownTable(columns.toArray(String[]::new));
    for (int i = 0; i < results.size(); i++) {
      LoadResult r = results.get(i);
      for (Map.Entry<String, Map<String, Long>> tier : r.tiers().entrySet()) {
        List<Object> cells =
            new ArrayList<>(
                List.of(
                    labels.get(i),
                    tier.getKey(),
                    MarkdownTable.percent(r.hitRatio(tier.getKey()))));
        verdicts.forEach(v -> cells.add(tier.getValue().getOrDefault(v, 0L)));
        t.row(cells.toArray());
      }
    }
    return t.render();
  }

  static String mode(LoadResult r) {
    return r.spec().openLoop()
        ? String.format(Locale.ROOT, "open %.0f/s", r.spec().ratePerSecond())
            + (r.unsent() > 0 ? " (" + r.unsent() + " unsent)" : "")
        : "closed";
  }

  static String errors(LoadResult r) {
    if (r.errorCount() == 0) {
      return "0";
    }
    StringBuilder sb = new StringBuilder();
    for (ErrorKind k : ErrorKind.values()) {
      if (r.errors(k) > 0) {
        sb.append(sb.isEmpty() ? "" : " ").append(k.label()).append('=').append(r.errors(k));
      }
    }
    return sb.toString();
  }

  static String statuses(LoadResult r) {
    StringBuilder sb = new StringBuilder();
    r.statusClasses()
        .forEach((k, v) -> sb.append(sb.isEmpty() ? "" : " ").append(k).append('=').append(v));
    return sb.isEmpty() ? "-" : sb.toString();
  }
}
