package io.imgcdn.common.upstream;

import io.imgcdn.common.config.Settings;
import java.time.Duration;

/**
 * Limits of the HTTP client a tier uses toward the next tier; the keys are under the tier's prefix,
 * e.g. {@code edge.upstream.connect-timeout}.
 *
 * <table>
 *   <tr><th>key suffix</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>connect-timeout</td><td>500ms</td><td>TCP connect</td></tr>
 *   <tr><td>response-timeout</td><td>30s</td><td>from sending the request to the last byte of the response</td></tr>
 *   <tr><td>max-connections</td><td>64</td><td>pooled keep-alive connections per upstream node</td></tr>
 *   <tr><td>max-pending</td><td>1024</td><td>requests waiting for a connection per node; beyond it, fail at once</td></tr>
 *   <tr><td>max-response-bytes</td><td>32m</td><td>largest body accepted</td></tr>
 *   <tr><td>max-collecting-bytes</td><td>heap / 4, at least max-response-bytes</td><td>bytes of whole
 *       bodies collected at once (a tier's fills); a response whose body does not fit waits, its
 *       connection paused, within the response timeout; 0: no limit</td></tr>
 * </table>
 */
public record UpstreamSettings(
    Duration connectTimeout,
    Duration responseTimeout,
    int maxConnections,
    int maxPending,
    int maxResponseBytes,
    long maxCollectingBytes) {

  /** Without a bound on the bytes collected at once. */
  public UpstreamSettings(
      Duration connectTimeout,
      Duration responseTimeout,
      int maxConnections,
      int maxPending,
      int maxResponseBytes) {
    this(connectTimeout, responseTimeout, maxConnections, maxPending, maxResponseBytes, 0);
  }

  public static UpstreamSettings from(Settings s, String prefix) {
    int maxResponse =
        (int) Math.min(Integer.MAX_VALUE - 8, s.bytes(prefix + "max-response-bytes", "32m", 1024));
    // A quarter of the heap: a collected body lands on the heap whole (and is encoded once more to
    // be stored).
    long collecting = Math.max(maxResponse, Runtime.getRuntime().maxMemory() / 4);
    return new UpstreamSettings(
        s.duration(prefix + "connect-timeout", "500ms"),
        s.duration(prefix + "response-timeout", "30s"),
        s.integer(prefix + "max-connections", 64, 1, 100_000),
        s.integer(prefix + "max-pending", 1024, 1, 1_000_000),
        maxResponse,
        s.bytes(prefix + "max-collecting-bytes", String.valueOf(collecting), 0));
  }
}
