package io.imgcdn.bench.report;

import io.imgcdn.bench.load.LoadResult;
import io.imgcdn.bench.sim.SimulationResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes a report: the Markdown file and its SVG plots next to it, linked from it. */
public final class Reports {

  private Reports() {}

  /**
   * Writes {@code markdown} to {@code file} followed by links to {@code <stem>-ohr.svg} and {@code
   * <stem>-bhr.svg} (hit ratio against cache size), written next to it. Returns what was written.
   */
  public static String writeSimulation(Path file, String markdown, List<SimulationResult> results)
      throws IOException {
    String stem = stem(file);
    Files.writeString(
        sibling(file, stem + "-ohr.svg"),
        Plots.hitRatioVsSize(results, false),
        StandardCharsets.UTF_8);
    Files.writeString(
        sibling(file, stem + "-bhr.svg"),
        Plots.hitRatioVsSize(results, true),
        StandardCharsets.UTF_8);
    String text =
        markdown
            + "\n![Object hit ratio vs cache size]("
            + stem
            + "-ohr.svg)\n"
            + "![Byte hit ratio vs cache size]("
            + stem
            + "-bhr.svg)\n";
    Files.writeString(file, text, StandardCharsets.UTF_8);
    return text;
  }

  /**
   * Writes a load report: {@code markdown} (or, if null, a title and the summary and tier tables of
   * {@code results}) to {@code file}, then links to {@code <stem>-latency.svg} (latency by
   * percentile) and {@code <stem>-throughput.svg} (bars), written next to it. Returns what was
   * written.
   */
  public static String writeLoad(
      Path file, String markdown, List<String> labels, List<LoadResult> results)
      throws IOException {
    String stem = stem(file);
    String body =
        markdown != null
            ? markdown
            : "## Load\n\n"
                + LoadReport.summary(labels, results)
                + "\n"
                + LoadReport.tiers(labels, results);
    Files.writeString(
        sibling(file, stem + "-latency.svg"),
        Plots.latencyCdf(labels, results),
        StandardCharsets.UTF_8);
    Files.writeString(
        sibling(file, stem + "-throughput.svg"),
        Plots.throughput(labels, results),
        StandardCharsets.UTF_8);
    String text =
        body
            + "\n![Latency by percentile]("
            + stem
            + "-latency.svg)\n"
            + "![Throughput]("
            + stem
            + "-throughput.svg)\n";
    Files.writeString(file, text, StandardCharsets.UTF_8);
    return text;
  }

  private static String stem(Path file) {
    String name = file.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 ? name.substring(0, dot) : name;
  }

  private static Path sibling(Path file, String name) {
    return file.toAbsolutePath().resolveSibling(name);
  }
}
