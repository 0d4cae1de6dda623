package io.imgcdn.bench.peers;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Which CPUs a side-by-side run gives the servers under test and which the load generator, so that
 * neither takes the other's cores (issue 20: a load generator sharing the servers' cores hid what
 * each stack costs). Every process a run starts goes through {@link #server} or {@link #client};
 * the bench JVM, whose own generator drives most runs, is pinned to the client CPUs by {@link
 * #apply}.
 */
public final class CpuPlacement {
  /*
   * How: `taskset -c LIST` in front of each command (sched_setaffinity before exec, inherited by every
   * process and thread it starts: nginx's workers, traffic_server's threads, a JVM's threads), and
   * `taskset -a -p -c LIST PID` for the bench JVM itself (-a: every thread it has; threads it starts
   * later inherit the mask of the thread that starts them). A child may be given CPUs its parent is not
   * pinned to: affinity is set per task, within the cgroup's cpuset. Unpinned (no option), commands run
   * as they are and server counts default to every core, as before.
   */
  private static final String TASKSET = "/usr/bin/taskset";
  private static volatile CpuPlacement current = new CpuPlacement(null, null);

  private final @Nullable List<Integer> serverCpus;
  private final @Nullable List<Integer> clientCpus;

  private CpuPlacement(@Nullable List<Integer> serverCpus, @Nullable List<Integer> clientCpus) {
    this.serverCpus = serverCpus;
    this.clientCpus = clientCpus;
  }

  /**
   * From the {@code --server-cpus} and {@code --client-cpus} values (taskset lists: {@code 1},
   * {@code 0-1}, {@code 0,2}); null or blank for unpinned.
   */
  public static CpuPlacement of(@Nullable String serverCpus, @Nullable String clientCpus) {
    return new CpuPlacement(cpus("--server-cpus", serverCpus), cpus("--client-cpus", clientCpus));
  }

  /** The placement of this run: unpinned unless {@link #apply} was called. */
  public static CpuPlacement current() {
    return current;
  }

  /**
   * Makes {@code placement} the run's, and pins this JVM (the bench's own load generator) to its
   * client CPUs.
   *
   * @throws IOException if taskset is missing or refuses (e.g. a CPU the machine does not have)
   */
  public static void apply(CpuPlacement placement) throws IOException, InterruptedException {
    if (placement.clientCpus != null) {
      run(
          List.of(
              TASKSET,
              "-a",
              "-p",
              "-c",
              list(placement.clientCpus),
              String.valueOf(ProcessHandle.current().pid())));
    }
    current = placement;
  }

  /** {@code command} run on the server CPUs. */
  public List<String> server(List<String> command) {
    return pinned(serverCpus, command);
  }

  /** {@code command} run on the client CPUs (wrk). */
  public List<String> client(List<String> command) {
    return pinned(clientCpus, command);
  }

  /**
   * CPUs the servers may use: nginx's worker_processes, Traffic Server's and the edge's threads.
   */
  public int serverCpuCount() {
    return serverCpus == null ? machineCpus() : serverCpus.size();
  }

  /** One line for a report: where servers and clients ran. */
  public String describe() {
    if (serverCpus == null && clientCpus == null) {
      return "not pinned: servers and load generator share all " + machineCpus() + " cores";
    }
    return String.format(
        Locale.ROOT,
        "servers on CPU %s (%d worker processes/threads), load generator on CPU %s (taskset)",
        serverCpus == null ? "any" : list(serverCpus),
        serverCpuCount(),
        clientCpus == null ? "any" : list(clientCpus));
  }

  /**
   * The machine's online CPUs (/sys/devices/system/cpu/online), not this JVM's: once {@link #apply}
   * pinned it, availableProcessors() counts only the client CPUs.
   */
  public static int machineCpus() {
    try {
      String online =
          java.nio.file.Files.readString(java.nio.file.Path.of("/sys/devices/system/cpu/online"))
              .strip();
      List<Integer> cpus = parse(online);
      if (!cpus.isEmpty()) {
        return cpus.size();
      }
    } catch (IOException | RuntimeException e) {
      // not Linux, or no sysfs: the JVM's count
    }
    return Runtime.getRuntime().availableProcessors();
  }

  private static List<String> pinned(@Nullable List<Integer> cpus, List<String> command) {
    if (cpus == null) {
      return command;
    }
    List<String> out = new ArrayList<>(List.of(TASKSET, "-c", list(cpus)));
    out.addAll(command);
    return out;
  }

  private static String list(List<Integer> cpus) {
    return String.join(",", cpus.stream().map(String::valueOf).toList());
  }

  private static @Nullable List<Integer> cpus(String option, @Nullable String value) {
    if (value == null || value.isBlank()) {
      return null;
    }
    List<Integer> cpus;
    try {
      cpus = parse(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          option + "=" + value + " (expected: a CPU list such as 1, 0-1 or 0,2)");
    }
    int cores = machineCpus();
    if (cpus.getLast() >= cores) {
      throw new IllegalArgumentException(
          option + "=" + value + " (expected: CPUs below " + cores + ", this machine's count)");
    }
    return cpus;
  }

  /** A CPU list (1, 0-1, 0,2), sorted and without repeats. */
  private static List<Integer> parse(String value) {
    TreeSet<Integer> cpus = new TreeSet<>();
    for (String part : value.split(",")) {
      String p = part.strip();
      int dash = p.indexOf('-');
      int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash).strip());
      int to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1).strip());
      if (from < 0 || to < from) {
        throw new NumberFormatException(p);
      }
      for (int c = from; c <= to; c++) {
        cpus.add(c);
      }
    }
    return List.copyOf(cpus);
  }

  private static void run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + out.strip());
    }
  }
}
