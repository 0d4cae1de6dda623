package io.imgcdn.bench.report;

import io.imgcdn.bench.load.LoadResult;
import io.imgcdn.bench.sim.SimulationResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.HistogramIterationValue;

/** The report plots: hit ratio against cache size, latency by percentile, throughput bars. */
public final class Plots {

  /** Percentiles marked on the latency plot's x axis. */
  private static final double[] PERCENTILE_TICKS = {0, 90, 99, 99.9, 99.99, 99.999};

  private Plots() {}

  /**
   * Object (solid) or byte (dashed) hit ratio of each policy against cache size (log x, share of
   * the working set).
   */
  public static String hitRatioVsSize(List<SimulationResult> results, boolean bytes) {
    Map<String, List<SimulationResult>> byPolicy = new LinkedHashMap<>();
    results.forEach(r -> byPolicy.computeIfAbsent(r.policy(), p -> new ArrayList<>()).add(r));
    List<SvgChart.Series> series = new ArrayList<>();
    double minShare = Double.MAX_VALUE;
    double maxShare = 0;
    for (Map.Entry<String, List<SimulationResult>> e : byPolicy.entrySet()) {
      List<SimulationResult> rs =
          e.getValue().stream()
              .sorted((a, b) -> Double.compare(a.capacityShare(), b.capacityShare()))
              .toList();
      double[] x = new double[rs.size()];
      double[] y = new double[rs.size()];
      for (int i = 0; i < rs.size(); i++) {
        x[i] = rs.get(i).capacityShare();
        y[i] = bytes ? rs.get(i).byteHitRatio() : rs.get(i).objectHitRatio();
        minShare = Math.min(minShare, x[i]);
        maxShare = Math.max(maxShare, x[i]);
      }
      series.add(new SvgChart.Series(e.getKey(), x, y, bytes));
    }
    List<SvgChart.Tick> xTicks = new ArrayList<>();
    for (double decade = 1e-4; decade <= 10; decade *= 10) {
      for (double m : new double[] {1, 2, 5}) {
        double v = decade * m;
        if (v >= minShare / 1.0001 && v <= maxShare * 1.0001) {
          xTicks.add(new SvgChart.Tick(v, MarkdownTable.percent(v).replace(".0%", "%")));
        }
      }
    }
    if (xTicks.size() < 2
        || xTicks.getFirst().value() > minShare * 1.0001
        || xTicks.getLast().value() < maxShare / 1.0001) {
      xTicks.addFirst(new SvgChart.Tick(minShare, MarkdownTable.percent(minShare)));
      xTicks.addLast(new SvgChart.Tick(maxShare, MarkdownTable.percent(maxShare)));
      xTicks =
          xTicks.stream()
              .distinct()
              .sorted((a, b) -> Double.compare(a.value(), b.value()))
              .toList();
    }
    List<SvgChart.Tick> yTicks =
        SvgChart.linearTicks(0, 1, v -> String.format(Locale.ROOT, "%.0f%%", 100 * v));
    String what = bytes ? "Byte hit ratio" : "Object hit ratio";
    return SvgChart.lines(
        what + " vs cache size",
        "cache size (share of the working set, log scale)",
        SvgChart.Scale.LOG,
        xTicks,
        what,
        SvgChart.Scale.LINEAR,
        yTicks,
        series);
  }

  /**
   * Latency by percentile, one line per run, on HdrHistogram's percentile-distribution scale: x is
   * 1 / (1 - percentile) on a log axis, so 90%, 99%, 99.9% are evenly spaced and the tail is
   * visible.
   */
  public static String latencyCdf(List<String> labels, List<LoadResult> results) {
    List<SvgChart.Series> series = new ArrayList<>();
    double maxMillis = 0;
    // 100% (the max) sits one decade beyond what the sample count can resolve, the same for every
    // run.
    double maxX = 1e3;
    for (LoadResult r : results) {
      maxX = Math.max(maxX, 10.0 * r.latencyMicros().getTotalCount());
    }
    for (int i = 0; i < results.size(); i++) {
      Histogram h = results.get(i).latencyMicros();
      List<double[]> points = new ArrayList<>();
      if (h.getTotalCount() > 0) {
        for (HistogramIterationValue v : h.percentiles(5)) {
          double p = v.getPercentileLevelIteratedTo() / 100;
          double x = p >= 1 ? maxX : Math.min(maxX, 1 / (1 - p));
          points.add(new double[] {x, v.getValueIteratedTo() / 1000.0});
        }
      }
      double[] xs = new double[points.size()];
      double[] ys = new double[points.size()];
      for (int k = 0; k < xs.length; k++) {
        xs[k] = points.get(k)[0];
        ys[k] = points.get(k)[1];
        maxMillis = Math.max(maxMillis, ys[k]);
      }
      series.add(new SvgChart.Series(labels.get(i), xs, ys, false));
    }
    List<SvgChart.Tick> xTicks = new ArrayList<>();
    for (double p : PERCENTILE_TICKS) {
      double x = 1 / (1 - p / 100);
      if (x <= maxX / 3) { // leave room for the "max" tick
        xTicks.add(
            new SvgChart.Tick(x, (p == 0 ? "0" : String.valueOf(p).replaceAll("\\.0$", "")) + "%"));
      }
    }
    if (xTicks.getLast().value() < maxX) {
      xTicks.add(new SvgChart.Tick(maxX, "max"));
    }
    List<SvgChart.Tick> yTicks =
        SvgChart.linearTicks(0, maxMillis > 0 ? maxMillis : 1, Plots::millis);
    return SvgChart.lines(
        "Latency by percentile",
        "percentile (log scale of 1/(1-p))",
        SvgChart.Scale.LOG,
        xTicks,
        "latency (ms)",
        SvgChart.Scale.LINEAR,
        yTicks,
        series);
  }

  /** Responses per second of each run. */
  public static String throughput(List<String> labels, List<LoadResult> results) {
    double[] values = results.stream().mapToDouble(LoadResult::requestsPerSecond).toArray();
    return SvgChart.bars(
        "Throughput",
        "responses per second",
        labels,
        values,
        v -> String.format(Locale.ROOT, v >= 100 || v == 0 ? "%.0f" : "%.1f", v));
  }

  private static String millis(double v) {
    return String.format(Locale.ROOT, v >= 10 || v == 0 ? "%.0f" : v >= 1 ? "%.1f" : "%.2f", v);
  }
}
