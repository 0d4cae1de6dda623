package io.imgcdn.bench.sim;

/**
 * What one policy achieved on one trace at one capacity, counted after the warm-up requests.
 *
 * @param policy the policy's name
 * @param capacityBytes the cache's capacity
 * @param workingSetBytes the trace's working set (bytes of distinct objects), for the capacity's
 *     share
 * @param requests requests counted
 * @param hits requests that were hits
 * @param bytes bytes requested
 * @param hitBytes bytes served from the cache
 */
public record SimulationResult(
    String policy,
    long capacityBytes,
    long workingSetBytes,
    long requests,
    long hits,
    long bytes,
    long hitBytes) {

  /** hits / requests; 0 for no requests. */
  public double objectHitRatio() {
    return requests == 0 ? 0 : (double) hits / requests;
  }

  /** hit bytes / requested bytes; 0 for no bytes. */
  public double byteHitRatio() {
    return bytes == 0 ? 0 : (double) hitBytes / bytes;
  }

  /** capacity / working set. */
  public double capacityShare() {
    return (double) capacityBytes / workingSetBytes;
  }
}
