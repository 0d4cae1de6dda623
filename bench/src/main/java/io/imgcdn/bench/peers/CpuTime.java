package io.imgcdn.bench.peers;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * CPU time (user + system) used so far by processes and their descendants, read from the OS ({@link
 * ProcessHandle.Info#totalCpuDuration()}: /proc/PID/stat on Linux). On a machine shared with other
 * work, a server's CPU time per request is steadier than its wall-clock rate, which depends on how
 * much of the CPUs the others left it.
 */
public final class CpuTime {

  private CpuTime() {}

  /** CPU time of {@code pids} and everything they started that is still running. */
  public static Duration of(List<Long> pids) {
    Duration total = Duration.ZERO;
    for (long pid : pids) {
      Optional<ProcessHandle> h = ProcessHandle.of(pid);
      if (h.isEmpty()) {
        continue;
      }
      for (ProcessHandle p : Stream.concat(Stream.of(h.get()), h.get().descendants()).toList()) {
        total = total.plus(p.info().totalCpuDuration().orElse(Duration.ZERO));
      }
    }
    return total;
  }

  /** Microseconds of CPU per response, or NaN without responses. */
  public static double microsPerResponse(Duration cpu, long responses) {
    return responses == 0 ? Double.NaN : cpu.toNanos() / 1000.0 / responses;
  }
}
