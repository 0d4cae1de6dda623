package io.imgcdn.bench.sim;

import io.imgcdn.bench.report.MarkdownTable;
import io.imgcdn.bench.report.Reports;
import io.imgcdn.bench.workload.Trace;
import io.imgcdn.bench.workload.Workload;
import io.imgcdn.bench.workload.WorkloadOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sim}: cache-policy simulation on a trace at several cache sizes; prints and writes a
 * Markdown report.
 */
@Command(
    name = "sim",
    description = "Simulate cache policies on a trace; object and byte hit ratio per cache size.")
public final class SimCommand implements Callable<Integer> {

  @Mixin WorkloadOptions workload;

  @Option(
      names = "--trace",
      description = "Replay this trace file instead of generating one from the workload options.")
  Path trace;

  @Option(
      names = "--sizes",
      defaultValue = "0.01,0.05,0.2",
      split = ",",
      description = "Cache sizes as shares of the working set (default: ${DEFAULT-VALUE}).")
  List<Double> sizes;

  @Option(
      names = "--policies",
      defaultValue = "lru,fifo,caffeine,gdsf,belady",
      description =
          "Policies, comma-separated: lru, fifo, caffeine, gdsf, lfuda, belady, static-ohr,"
              + " static-bhr, edge, edge-frequency, edge-frequency-per-byte, edge-adaptive,"
              + " caffeine-max<N> (default: ${DEFAULT-VALUE}).")
  String policies;

  @Option(
      names = "--warmup",
      defaultValue = "0.2",
      description =
          "Share of the trace that fills the caches before counting (default: ${DEFAULT-VALUE}).")
  double warmup;

  @Option(
      names = "--repeats",
      defaultValue = "3",
      description =
          "Runs of each non-deterministic policy (Caffeine); the table shows the mean (default:"
              + " ${DEFAULT-VALUE}).")
  int repeats;

  @Option(
      names = "--out",
      description = "Write the report (Markdown) here, and its plots (SVG) next to it.")
  Path out;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    PrintWriter stdout = spec.commandLine().getOut();
    String source;
    Trace t;
    if (trace != null) {
      t = Trace.read(trace);
      source = "trace file `" + trace + "`";
    } else {
      Workload w = Workload.generate(workload.spec());
      t = Trace.of(w);
      source =
          "generated workload: seed "
              + w.spec().seed()
              + ", "
              + w.spec().originals()
              + " originals, Zipf "
              + w.spec().zipfExponent()
              + ", "
              + w.spec().requests()
              + " requests, mix "
              + w.spec().mixText()
              + (w.spec().driftEveryRequests() > 0
                  ? ", drift "
                      + w.spec().driftKeys()
                      + " ranks every "
                      + w.spec().driftEveryRequests()
                      + " requests"
                  : "");
    }
    int warm = (int) Math.round(warmup * t.length());
    List<PolicyFactory> factories = Policies.parse(policies);
    List<SimulationResult> results = new ArrayList<>();
    List<String> spreads = new ArrayList<>();
    for (double share : sizes) {
      long capacity = Math.max(1, Math.round(share * t.workingSetBytes()));
      for (PolicyFactory f : factories) {
        int runs = f.deterministic() ? 1 : Math.max(1, repeats);
        List<SimulationResult> each = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
          each.add(Simulator.run(t, f, capacity, warm));
        }
        SimulationResult mean = mean(each);
        results.add(mean);
        if (runs > 1) {
          spreads.add(
              String.format(
                  Locale.ROOT,
                  "%s at %s: OHR %.1f-%.1f%%, BHR %.1f-%.1f%% over %d runs",
                  f.name(),
                  MarkdownTable.percent(share),
                  100
                      * each.stream()
                          .mapToDouble(SimulationResult::objectHitRatio)
                          .min()
                          .orElseThrow(),
                  100
                      * each.stream()
                          .mapToDouble(SimulationResult::objectHitRatio)
                          .max()
                          .orElseThrow(),
                  100
                      * each.stream()
                          .mapToDouble(SimulationResult::byteHitRatio)
                          .min()
                          .orElseThrow(),
                  100
                      * each.stream()
                          .mapToDouble(SimulationResult::byteHitRatio)
                          .max()
                          .orElseThrow(),
                  runs));
        }
      }
    }
    String report = report(source, t, warm, factories, results, spreads);
    stdout.print(report);
    stdout.flush();
    if (out != null) {
      Reports.writeSimulation(out, report, results);
    }
    return 0;
  }

  /** The mean of runs of one policy at one capacity (hits and hit bytes rounded). */
  static SimulationResult mean(List<SimulationResult> runs) {
    SimulationResult first = runs.getFirst();
    double hits = runs.stream().mapToLong(SimulationResult::hits).average().orElseThrow();
    double hitBytes = runs.stream().mapToLong(SimulationResult::hitBytes).average().orElseThrow();
    return new SimulationResult(
        first.policy(),
        first.capacityBytes(),
        first.workingSetBytes(),
        first.requests(),
        Math.round(hits),
        first.bytes(),
        Math.round(hitBytes));
  }

  static String report(
      String source,
      Trace t,
      int warm,
      List<PolicyFactory> factories,
      List<SimulationResult> results,
      List<String> spreads) {
    StringBuilder sb = new StringBuilder();
    sb.append("## Cache-policy simulation\n\n");
    sb.append("Source: ").append(source).append(".  \n");
    sb.append(
        String.format(
            Locale.ROOT,
            "%d requests, %d distinct objects, working set %s, %s requested; "
                + "the first %d requests warm the caches and are not counted.%n%n",
            t.length(),
            t.objectCount(),
            MarkdownTable.bytes(t.workingSetBytes()),
            MarkdownTable.bytes(t.requestedBytes()),
            warm));
    sb.append(table(factories, results)).append('\n');
    sb.append(
        "OHR: object hit ratio (hits / requests). BHR: byte hit ratio (bytes hit / bytes"
            + " requested). belady is the offline furthest-next-use policy with bypass (an"
            + " approximation of the optimum for variable sizes).\n");
    if (!spreads.isEmpty()) {
      sb.append(
              "\n"
                  + "Caffeine admits a warm candidate at random 1 time in 128 (ThreadLocalRandom),"
                  + " so its runs differ; the table shows the mean. Range: ")
          .append(String.join("; ", spreads))
          .append(".\n");
    }
    return sb.toString();
  }

  /** One row per policy, an OHR and a BHR column per cache size. */
  static String table(List<PolicyFactory> factories, List<SimulationResult> results) {
    List<Long> capacities =
        results.stream().map(SimulationResult::capacityBytes).distinct().toList();
    List<String> columns = new ArrayList<>();
    columns.add("<policy");
    for (long c : capacities) {
      SimulationResult any =
          results.stream().filter(r -> r.capacityBytes() == c).findFirst().orElseThrow();
      String label =
          MarkdownTable.percent(any.capacityShare()) + " (" + MarkdownTable.bytes(c) + ")";
      columns.add("OHR " + label);
      columns.add("BHR " + label);
    }
    MarkdownTable table = new MarkdownTable(columns.toArray(String[]::new));
    for (PolicyFactory f : factories) {
      List<Object> cells = new ArrayList<>();
      cells.add(f.name());
      for (long c : capacities) {
        SimulationResult r =
            results.stream()
                .filter(x -> x.capacityBytes() == c && x.policy().equals(f.name()))
                .findFirst()
                .orElseThrow();
        cells.add(MarkdownTable.percent(r.objectHitRatio()));
        cells.add(MarkdownTable.percent(r.byteHitRatio()));
      }
      table.row(cells.toArray());
    }
    return table.render();
  }
}
