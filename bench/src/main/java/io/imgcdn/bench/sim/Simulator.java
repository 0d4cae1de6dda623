package io.imgcdn.bench.sim;

import io.imgcdn.bench.workload.Trace;

/** Replays a trace through cache policies. */
public final class Simulator {

  private Simulator() {}

  /**
   * Replays all of {@code trace} through a fresh policy of {@code capacityBytes}; the first {@code
   * warmupRequests} requests fill the cache but are not counted.
   */
  public static SimulationResult run(
      Trace trace, PolicyFactory factory, long capacityBytes, int warmupRequests) {
    if (warmupRequests < 0 || warmupRequests > trace.length()) {
      throw new IllegalArgumentException(
          "warmupRequests: " + warmupRequests + " (expected: in [0, " + trace.length() + "])");
    }
    CachePolicy policy = factory.create(trace, capacityBytes);
    long hits = 0;
    long bytes = 0;
    long hitBytes = 0;
    for (int i = 0; i < trace.length(); i++) {
      int o = trace.objectAt(i);
      long size = trace.size(o);
      boolean hit = policy.access(o, size);
      if (policy.usedBytes() > capacityBytes) {
        throw new IllegalStateException(
            factory.name()
                + " holds "
                + policy.usedBytes()
                + " bytes after request "
                + i
                + " (expected: <= "
                + capacityBytes
                + ")");
      }
      if (i >= warmupRequests) {
        bytes += size;
        if (hit) {
          hits++;
          hitBytes += size;
        }
      }
    }
    if (policy instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        throw new IllegalStateException(factory.name() + ": close failed", e);
      }
    }
    return new SimulationResult(
        factory.name(),
        capacityBytes,
        trace.workingSetBytes(),
        trace.length() - warmupRequests,
        hits,
        bytes,
        hitBytes);
  }
}
