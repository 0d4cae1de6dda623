package io.imgcdn.bench.peers;

import java.io.IOException;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * {@code --server-cpus} and {@code --client-cpus}, the same on every side-by-side command (a
 * picocli mixin); {@link #apply} makes them the run's {@link CpuPlacement}.
 */
public final class CpuOptions {
  @Option(
      names = "--server-cpus",
      description =
          "CPUs of the servers under test, a taskset list (1, 0-1, 0,2); nginx workers and Traffic"
              + " Server threads follow their count (default: not pinned).")
  @Nullable String serverCpus;

  @Option(
      names = "--client-cpus",
      description =
          "CPUs of the load generator (this JVM, wrk), a taskset list (default: not pinned).")
  @Nullable String clientCpus;

  /** Pins this JVM to the client CPUs and makes the placement the run's. */
  public CpuPlacement apply() throws IOException, InterruptedException {
    CpuPlacement placement = CpuPlacement.of(serverCpus, clientCpus);
    CpuPlacement.apply(placement);
    return placement;
  }
}
