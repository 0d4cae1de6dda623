package io.imgcdn.bench.jmh.hashring;

import com.google.common.hash.Hashing;
import io.imgcdn.hashring.HashRings;
import io.imgcdn.hashring.Node;
import io.imgcdn.hashring.NodeLocator;
import io.imgcdn.hashring.Placement;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.function.ToIntFunction;

/**
 * The lookup and rebuild costs of {@link HashRingLookupBenchmark} and {@link
 * HashRingRebuildBenchmark}, measured in this thread's CPU time instead of wall time, every case
 * interleaved round by round, the median round reported: on a machine shared with other builds,
 * wall time counts the time the thread waits for a core, CPU time does not. (Cache pollution by the
 * neighbours still counts.)
 *
 * <p>Run (see docs/BENCHMARKS.md):
 *
 * {@snippet lang="shell" :
 * java -cp bench/target/bench-0.1.0-SNAPSHOT.jar:$(cat bench/target/cp.txt) \
 *     io.imgcdn.bench.jmh.hashring.HashRingCpuTime
 * }
 */
public final class HashRingCpuTime {

  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final int ROUNDS = 15;
  private static final int KEY_MASK = (1 << 14) - 1;
  private static int sink;

  private HashRingCpuTime() {}

  public static void main(String[] args) {
    String[] keys = HashRingFixtures.urls(KEY_MASK + 1, 42);
    List<String> names = new ArrayList<>();
    List<ToIntFunction<Integer>> lookups = new ArrayList<>();
    List<Integer> opsPerRound = new ArrayList<>();
    for (int n : new int[] {3, 40, 1000}) {
      List<Node> members = HashRingFixtures.members(n, 7);
      for (String impl : List.of("KETAMA", "NGINX", "MAGLEV", "RENDEZVOUS", "GUAVA_JUMP")) {
        names.add(String.format(Locale.ROOT, "lookup %-10s N=%-4d", impl, n));
        if (impl.equals("GUAVA_JUMP")) {
          Node[] sorted =
              members.stream().sorted(Comparator.comparing(Node::id)).toArray(Node[]::new);
          lookups.add(
              ops -> {
                int acc = 0;
                for (int i = 0; i < ops; i++) {
                  long hash = HashRings.hash64(keys[i & KEY_MASK].getBytes(StandardCharsets.UTF_8));
                  acc += sorted[Hashing.consistentHash(hash, sorted.length)].weight();
                }
                return acc;
              });
        } else {
          NodeLocator ring = HashRings.create(Placement.parse(impl), members);
          lookups.add(
              ops -> {
                int acc = 0;
                for (int i = 0; i < ops; i++) {
                  acc += ring.owner(keys[i & KEY_MASK]).weight();
                }
                return acc;
              });
        }
        opsPerRound.add(impl.equals("RENDEZVOUS") && n == 1000 ? 5_000 : 200_000);
      }
    }
    for (int n : new int[] {40, 1000}) {
      List<Node> members = HashRingFixtures.members(n, 7);
      for (Placement placement : Placement.values()) {
        names.add(String.format(Locale.ROOT, "create %-10s N=%-4d", placement, n));
        lookups.add(
            ops -> {
              int acc = 0;
              for (int i = 0; i < ops; i++) {
                acc += HashRings.create(placement, members).nodes().size();
              }
              return acc;
            });
        opsPerRound.add(placement == Placement.RENDEZVOUS ? 200 : 3);
      }
    }
    int cases = names.size();
    double[][] nanosPerOp = new double[cases][ROUNDS];
    for (int round = -3; round < ROUNDS; round++) { // 3 warm-up rounds
      for (int c = 0; c < cases; c++) {
        long start = THREADS.getCurrentThreadCpuTime();
        sink += lookups.get(c).applyAsInt(opsPerRound.get(c));
        long cpu = THREADS.getCurrentThreadCpuTime() - start;
        if (round >= 0) {
          nanosPerOp[c][round] = (double) cpu / opsPerRound.get(c);
        }
      }
    }
    System.out.println("| case | median CPU time per op | fastest round |");
    System.out.println("|---|---|---|");
    for (int c = 0; c < cases; c++) {
      double[] sorted = nanosPerOp[c].clone();
      Arrays.sort(sorted);
      System.out.printf(
          Locale.ROOT,
          "| %s | %s | %s |%n",
          names.get(c).strip(),
          format(sorted[ROUNDS / 2]),
          format(sorted[0]));
    }
    System.out.println("(sink " + sink + ")");
  }

  private static String format(double nanos) {
    return nanos < 10_000
        ? String.format(Locale.ROOT, "%.0f ns", nanos)
        : String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
  }
}
