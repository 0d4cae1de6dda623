package io.imgcdn.bench.sim;

/**
 * A cache eviction (and admission) policy under simulation: it sees each request of a trace in
 * order and says whether it was a hit. It holds sizes only, never bytes.
 */
public interface CachePolicy {

  /**
   * Serves one request; on a miss the policy may admit the object (evicting others to stay within
   * its capacity).
   *
   * @param object the object's number in the trace
   * @param size the object's size in bytes
   * @return whether the object was cached when requested
   */
  boolean access(int object, long size);

  /** Bytes currently held; never above the capacity. */
  long usedBytes();
}
