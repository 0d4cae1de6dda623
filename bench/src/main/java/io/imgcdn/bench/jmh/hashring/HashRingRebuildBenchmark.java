package io.imgcdn.bench.jmh.hashring;

import io.imgcdn.hashring.HashRings;
import io.imgcdn.hashring.Node;
import io.imgcdn.hashring.NodeLocator;
import io.imgcdn.hashring.Placement;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost of building a snapshot from a membership list (what a membership reload pays), per placement
 * at 40 and 1,000 members of weight 1.
 *
 * <p>Run (see bench/results/2026-11-hashring.md):
 *
 * {@snippet lang="shell" :
 * java -cp bench/target/bench-0.1.0-SNAPSHOT.jar:$(cat bench/target/cp.txt) org.openjdk.jmh.Main \
 *     'jmh.hashring.HashRingRebuildBenchmark' -f 1 -wi 2 -i 3
 * }
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class HashRingRebuildBenchmark {

  @Param({"KETAMA", "NGINX", "MAGLEV", "RENDEZVOUS"})
  public String placement;

  @Param({"40", "1000"})
  public int nodes;

  private Placement chosen;
  private List<Node> members;

  @Setup(Level.Trial)
  public void setUp() {
    chosen = Placement.parse(placement);
    members = HashRingFixtures.members(nodes, 7);
  }

  @Benchmark
  public NodeLocator create() {
    return HashRings.create(chosen, members);
  }
}
