package io.imgcdn.bench.workload;

import picocli.CommandLine.Option;

/**
 * The command-line options that make a {@link WorkloadSpec}; a picocli mixin shared by the
 * subcommands.
 */
public final class WorkloadOptions {

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Seed of every random choice (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--originals",
      defaultValue = "20000",
      description = "Number of originals (default: ${DEFAULT-VALUE}).")
  int originals;

  @Option(
      names = "--zipf",
      defaultValue = "0.9",
      description = "Zipf exponent of popularity (default: ${DEFAULT-VALUE}).")
  double zipf;

  @Option(
      names = "--requests",
      defaultValue = "1000000",
      description = "Requests in the trace (default: ${DEFAULT-VALUE}).")
  long requests;

  @Option(
      names = "--mix",
      defaultValue = WorkloadSpec.DEFAULT_MIX,
      description = "Request mix, name:weight,... (default: ${DEFAULT-VALUE}).")
  String mix;

  @Option(
      names = "--drift-every",
      defaultValue = "0",
      description =
          "Shift popularity every this many requests; 0 = stationary (default: ${DEFAULT-VALUE}).")
  long driftEvery;

  @Option(
      names = "--drift-keys",
      defaultValue = "0",
      description = "Ranks popularity slides per shift (default: ${DEFAULT-VALUE}).")
  int driftKeys;

  /** The spec these options describe (sizes: {@link SizeModel#pixiv()}). */
  public WorkloadSpec spec() {
    return new WorkloadSpec(
        seed,
        originals,
        zipf,
        requests,
        WorkloadSpec.parseMix(mix),
        driftEvery,
        driftKeys,
        SizeModel.pixiv());
  }
}
