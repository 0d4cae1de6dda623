package io.imgcdn.bench.load;

import io.imgcdn.bench.workload.Trace;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What a load run does.
 *
 * @param targets base URIs ({@code http://127.0.0.1:8080}); connection k goes to target k mod size
 * @param trace the requests to replay, in order, wrapping around at the end
 * @param traceOffset the trace position of the first request (e.g. after a warm-up run)
 * @param connections number of keep-alive connections (the most requests in flight at once)
 * @param ratePerSecond open loop: requests scheduled per second across all connections; 0 = closed
 *     loop
 * @param maxRequests the run stops after this many requests
 * @param duration the run stops sending after this long
 * @param requestTimeout a request without a complete response by then is a timeout error
 * @param connectTimeout a connection not open by then is a connect error
 * @param threads event-loop threads of the client
 * @param hostHeader the Host header; null for the target's host:port
 */
public record LoadSpec(
    List<URI> targets,
    Trace trace,
    long traceOffset,
    int connections,
    double ratePerSecond,
    long maxRequests,
    Duration duration,
    Duration requestTimeout,
    Duration connectTimeout,
    int threads,
    @Nullable String hostHeader) {

  public LoadSpec {
    targets = List.copyOf(targets);
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("targets: none (expected: at least one http:// URI)");
    }
    for (URI t : targets) {
      if (!"http".equals(t.getScheme()) || t.getHost() == null) {
        throw new IllegalArgumentException("target: " + t + " (expected: http://host[:port])");
      }
    }
    if (trace.length() == 0) {
      throw new IllegalArgumentException("trace: empty (expected: at least one request)");
    }
    if (traceOffset < 0) {
      throw new IllegalArgumentException("traceOffset: " + traceOffset + " (expected: >= 0)");
    }
    if (connections <= 0) {
      throw new IllegalArgumentException("connections: " + connections + " (expected: > 0)");
    }
    if (!(ratePerSecond >= 0)) {
      throw new IllegalArgumentException(
          "ratePerSecond: " + ratePerSecond + " (expected: >= 0, 0 = closed loop)");
    }
    if (maxRequests <= 0) {
      throw new IllegalArgumentException("maxRequests: " + maxRequests + " (expected: > 0)");
    }
    requirePositive("duration", duration);
    requirePositive("requestTimeout", requestTimeout);
    requirePositive("connectTimeout", connectTimeout);
    if (threads <= 0) {
      throw new IllegalArgumentException("threads: " + threads + " (expected: > 0)");
    }
  }

  /**
   * A closed loop over {@code trace} against {@code target}: {@code connections} connections, at
   * most 1,000,000 requests and 60 s, 5 s request timeout, 2 s connect timeout, 1 event-loop
   * thread.
   */
  public static LoadSpec closedLoop(URI target, Trace trace, int connections) {
    return new LoadSpec(
        List.of(target),
        trace,
        0,
        connections,
        0,
        1_000_000,
        Duration.ofSeconds(60),
        Duration.ofSeconds(5),
        Duration.ofSeconds(2),
        1,
        null);
  }

  private static void requirePositive(String name, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
    }
  }

  public boolean openLoop() {
    return ratePerSecond > 0;
  }

  public LoadSpec withTargets(List<URI> t) {
    return new LoadSpec(
        t,
        trace,
        traceOffset,
        connections,
        ratePerSecond,
        maxRequests,
        duration,
        requestTimeout,
        connectTimeout,
        threads,
        hostHeader);
  }

  public LoadSpec withTraceOffset(long offset) {
    return new LoadSpec(
        targets,
        trace,
        offset,
        connections,
        ratePerSecond,
        maxRequests,
        duration,
        requestTimeout,
        connectTimeout,
        threads,
        hostHeader);
  }

  public LoadSpec withConnections(int n) {
    return new LoadSpec(
        targets,
        trace,
        traceOffset,
        n,
        ratePerSecond,
        maxRequests,
        duration,
        requestTimeout,
        connectTimeout,
        threads,
        hostHeader);
  }

  /** Open loop at {@code perSecond} requests per second; 0 for closed loop. */
  public LoadSpec withRate(double perSecond) {
    return new LoadSpec(
        targets,
        trace,
        traceOffset,
        connections,
        perSecond,
        maxRequests,
        duration,
        requestTimeout,
        connectTimeout,
        threads,
        hostHeader);
  }

  public LoadSpec withMaxRequests(long n) {
    return new LoadSpec(
        targets,
        trace,
        traceOffset,
        connections,
        ratePerSecond,
        n,
        duration,
        requestTimeout,
        connectTimeout,
        threads,
        hostHeader);
  }

  public LoadSpec withDuration(Duration d) {
    return new LoadSpec(
        targets,
        trace,
        traceOffset,
        connections,
        ratePerSecond,
        maxRequests,
        d,
        requestTimeout,
        connectTimeout,
        threads,
        hostHeader);
  }

  public LoadSpec withRequestTimeout(Duration d) {
    return new LoadSpec(
        targets,
        trace,
        traceOffset,
        connections,
        ratePerSecond,
        maxRequests,
        duration,
        d,
        connectTimeout,
        threads,
        hostHeader);
  }

  public LoadSpec withConnectTimeout(Duration d) {
    return new LoadSpec(
        targets,
        trace,
        traceOffset,
        connections,
        ratePerSecond,
        maxRequests,
        duration,
        requestTimeout,
        d,
        threads,
        hostHeader);
  }

  public LoadSpec withThreads(int n) {
    return new LoadSpec(
        targets,
        trace,
        traceOffset,
        connections,
        ratePerSecond,
        maxRequests,
        duration,
        requestTimeout,
        connectTimeout,
        n,
        hostHeader);
  }

  public LoadSpec withHostHeader(String host) {
    return new LoadSpec(
        targets,
        trace,
        traceOffset,
        connections,
        ratePerSecond,
        maxRequests,
        duration,
        requestTimeout,
        connectTimeout,
        threads,
        host);
  }
}
