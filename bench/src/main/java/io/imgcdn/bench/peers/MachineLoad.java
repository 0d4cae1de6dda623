package io.imgcdn.bench.peers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The machine's other load over one measured segment: the CPU that processes this bench did not
 * start used meanwhile (in cores), beside the load average, reported with every figure so that a
 * ratio measured on a shared machine says how shared it was.
 */
public final class MachineLoad {
  /*
   * Other CPU = the machine's busy CPU time (/proc/stat, first line: user + nice + system + irq +
   * softirq + steal) less what this JVM and everything it started used (/proc/self/stat utime, stime
   * and the children it has reaped, cutime and cstime; plus its living descendants' own CPU). Ticks
   * are USER_HZ, 100 on Linux. Divided by the wall time: 0.5 means half a core was busy with
   * something else on average.
   */
  private static final double TICK_NANOS = 1e9 / 100;

  /**
   * Over one segment: other processes' CPU in cores, and the 1/5/15 min load averages at its end.
   */
  public record Figures(double otherCores, String loadAverage) {
    /** E.g. {@code other CPU 0.12 cores, load 1.02 0.98 0.90}. */
    public String text() {
      return String.format(Locale.ROOT, "other CPU %.2f cores, load %s", otherCores, loadAverage);
    }
  }

  /**
   * The figures of every measured segment of one run, in order, and the table a report shows them
   * in (with the run's CPU placement), so every driver reports them the same way.
   */
  public static final class Segments {
    private final List<String> labels = new ArrayList<>();
    private final List<Figures> figures = new ArrayList<>();

    /** Records segment {@code label}'s figures and returns them. */
    public Figures add(String label, Figures f) {
      labels.add(label);
      figures.add(f);
      return f;
    }

    /** A Markdown paragraph and table: where the processes ran, and each segment's other load. */
    public String markdown() {
      StringBuilder md = new StringBuilder();
      md.append("\nCPU placement: ").append(CpuPlacement.current().describe()).append(".\n\n");
      md.append(
          "Other load per segment (CPU used by processes this bench did not start, in cores,"
              + " from /proc/stat less the bench's own process tree; load average at the"
              + " segment's end):\n\n");
      md.append("| segment | other CPU (cores) | load average |\n|---|---|---|\n");
      for (int i = 0; i < labels.size(); i++) {
        md.append(
            String.format(
                Locale.ROOT,
                "| %s | %.2f | %s |%n",
                labels.get(i),
                figures.get(i).otherCores(),
                figures.get(i).loadAverage()));
      }
      return md.append('\n').toString();
    }
  }

  private final long startNanos;
  private final long busyTicks;
  private final Duration ours;

  private MachineLoad(long startNanos, long busyTicks, Duration ours) {
    this.startNanos = startNanos;
    this.busyTicks = busyTicks;
    this.ours = ours;
  }

  /** Starts a segment now. */
  public static MachineLoad start() {
    return new MachineLoad(System.nanoTime(), busyTicks(), ourCpu());
  }

  /** Ends the segment: what others used since {@link #start}. NaN figures where /proc is absent. */
  public Figures end() {
    long wall = System.nanoTime() - startNanos;
    long busy = busyTicks();
    Duration ourCpu = ourCpu().minus(ours);
    double other =
        busy < 0 || busyTicks < 0 || wall <= 0
            ? Double.NaN
            : Math.max(0, ((busy - busyTicks) * TICK_NANOS - ourCpu.toNanos()) / wall);
    return new Figures(other, Machine.loadAverage());
  }

  private static long busyTicks() {
    try {
      String first = Files.readAllLines(Path.of("/proc/stat"), StandardCharsets.US_ASCII).get(0);
      String[] f = first.trim().split("\\s+");
      // cpu user nice system idle iowait irq softirq steal ...
      return Long.parseLong(f[1])
          + Long.parseLong(f[2])
          + Long.parseLong(f[3])
          + Long.parseLong(f[6])
          + Long.parseLong(f[7])
          + (f.length > 8 ? Long.parseLong(f[8]) : 0);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** This JVM's CPU, its reaped children's, and its living descendants'. */
  private static Duration ourCpu() {
    long ticks = 0;
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"), StandardCharsets.US_ASCII);
      // Fields after the command name (in parentheses, which may hold spaces): state is field 3.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      ticks =
          Long.parseLong(f[11])
              + Long.parseLong(f[12])
              + Long.parseLong(f[13])
              + Long.parseLong(f[14]);
    } catch (IOException | RuntimeException e) {
      ticks = 0;
    }
    Duration total = Duration.ofNanos((long) (ticks * TICK_NANOS));
    for (ProcessHandle p : ProcessHandle.current().descendants().toList()) {
      total = total.plus(p.info().totalCpuDuration().orElse(Duration.ZERO));
    }
    return total;
  }
}
