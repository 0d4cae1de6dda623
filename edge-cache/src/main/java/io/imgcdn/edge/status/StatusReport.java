package io.imgcdn.edge.status;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Everything the status page shows, read at one moment: what {@code /status} and {@code
 * /status.json} render.
 */
record StatusReport(
    String nodeId,
    String version,
    Instant now,
    Duration uptime,
    Ring ring,
    List<TierRow> tiers,
    TopKeys.Window currentWindow,
    TopKeys.Window lastWindow,
    Cache cache,
    Jvm jvm) {

  /** The shard ring as this edge routes on it. */
  record Ring(
      long version,
      String placement,
      int sampledKeys,
      List<Member> members,
      long probes,
      long probeFailures) {}

  /**
   * One shard.
   *
   * @param keyShare share of sampled keys it owns (0..1)
   * @param weightShare its weight over the total weight (0..1): what keyShare should be close to
   * @param lastProbe "up", "down" or "none" (no probe finished yet)
   * @param inFlight requests this edge has open to it now
   */
  record Member(
      String id,
      String address,
      int weight,
      double weightShare,
      double keyShare,
      boolean ejected,
      int consecutiveFailures,
      long retryInMillis,
      String lastProbe,
      long inFlight) {}

  /**
   * One tier's responses and body bytes by verdict, in the order of {@link TierCounters.Verdict}.
   *
   * @param objectHitRatio hits over hit + miss + coalesced + stale responses; NaN with none
   */
  record TierRow(
      String tier, long[] objects, long[] bytes, double objectHitRatio, double byteHitRatio) {}

  /** The memory cache. {@code evictions} is -1 when unknown. */
  record Cache(
      long usedBytes, long capacityBytes, long objects, long evictions, long offHeapBytes) {}

  /** The JVM. {@code directUsed} / {@code directMax} are -1 when unknown. */
  record Jvm(
      String runtime,
      long heapUsed,
      long heapCommitted,
      long heapMax,
      long directUsed,
      long directMax) {}
}
