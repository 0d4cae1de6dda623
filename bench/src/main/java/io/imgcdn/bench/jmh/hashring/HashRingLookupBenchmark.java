package io.imgcdn.bench.jmh.hashring;

import com.google.common.hash.Hashing;
import io.imgcdn.hashring.HashRings;
import io.imgcdn.hashring.Node;
import io.imgcdn.hashring.NodeLocator;
import io.imgcdn.hashring.Placement;
import java.nio.charset.StandardCharsets;
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
 * Cost of one owner lookup (UTF-8 encoding + hash + placement) for a 60-byte picture URL, per
 * placement and ring size, against Guava's jump hash ({@code Hashing.consistentHash}) over the same
 * xxHash64 as a speed reference. Keys cycle through 16,384 distinct URLs, so large tables are read
 * at random as in production.
 *
 * <p>Run (see bench/results/2026-11-hashring.md):
 *
 * {@snippet lang="shell" :
 * java -cp bench/target/bench-0.1.0-SNAPSHOT.jar:$(cat bench/target/cp.txt) org.openjdk.jmh.Main \
 *     'jmh.hashring.HashRingLookupBenchmark' -f 1 -wi 2 -i 3
 * }
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx1g")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class HashRingLookupBenchmark {

  /**
   * A placement name, or GUAVA_JUMP for {@code Hashing.consistentHash(HashRings.hash64(key), n)}.
   */
  @Param({"KETAMA", "NGINX", "MAGLEV", "RENDEZVOUS", "GUAVA_JUMP"})
  public String impl;

  @Param({"3", "40", "1000"})
  public int nodes;

  private static final int KEY_MASK = (1 << 14) - 1;
  private String[] keys;
  private NodeLocator locator;
  private Node[] jumpNodes;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    keys = HashRingFixtures.urls(KEY_MASK + 1, 42);
    List<Node> members = HashRingFixtures.members(nodes, 7);
    if (impl.equals("GUAVA_JUMP")) {
      jumpNodes =
          members.stream().sorted(java.util.Comparator.comparing(Node::id)).toArray(Node[]::new);
      locator = HashRings.ketama(List.of());
    } else {
      locator = HashRings.create(Placement.parse(impl), members);
      jumpNodes = new Node[0];
    }
  }

  @Benchmark
  public Node owner() {
    String key = keys[next++ & KEY_MASK];
    if (jumpNodes.length > 0) {
      long hash = HashRings.hash64(key.getBytes(StandardCharsets.UTF_8));
      return jumpNodes[Hashing.consistentHash(hash, jumpNodes.length)];
    }
    return locator.owner(key);
  }
}
