package io.imgcdn.common.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The metrics of one node, in one registry of its own (several nodes may share a JVM, as in the
 * demo), exported in Prometheus text format. Every series carries {@code tier} and {@code node}
 * labels.
 */
public final class NodeMetrics implements AutoCloseable {
  /*
   * Names follow Prometheus conventions through Micrometer: "imgcdn.requests" becomes
   * imgcdn_requests_total{tier,node,result}. result is the node's own verdict for the request:
   * hit, miss, coalesced, stale or error; status classes go in a separate counter.
   */
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final String tier;
  private final String node;
  private final Map<String, Counter> requests = new ConcurrentHashMap<>();
  private final Map<String, Counter> statuses = new ConcurrentHashMap<>();
  private final Counter bytesSent;
  private final Timer latency;
  private @Nullable JvmGcMetrics gc;

  public NodeMetrics(String tier, String node) {
    this.tier = tier;
    this.node = node;
    registry.config().commonTags("tier", tier, "node", node);
    bytesSent =
        Counter.builder("imgcdn.response.bytes")
            .description("Body bytes sent to clients")
            .baseUnit("bytes")
            .register(registry);
    latency =
        Timer.builder("imgcdn.request.duration")
            .description("Time from request to response")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(30))
            .register(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    gc = new JvmGcMetrics();
    gc.bindTo(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public String tier() {
    return tier;
  }

  public String node() {
    return node;
  }

  /** Counts one finished request with this node's verdict and HTTP status. */
  public void request(String verdict, int status, long bodyBytes, long nanos) {
    requests
        .computeIfAbsent(
            verdict,
            v ->
                Counter.builder("imgcdn.requests")
                    .description("Requests by this node's cache verdict")
                    .tags(Tags.of("result", v))
                    .register(registry))
        .increment();
    String statusClass = (status / 100) + "xx";
    statuses
        .computeIfAbsent(
            statusClass,
            c ->
                Counter.builder("imgcdn.responses")
                    .description("Responses by status class")
                    .tags(Tags.of("status", c))
                    .register(registry))
        .increment();
    bytesSent.increment(bodyBytes);
    latency.record(Duration.ofNanos(nanos));
  }

  /** A size distribution (e.g. object sizes admitted). */
  public DistributionSummary summary(String name, String description) {
    return DistributionSummary.builder(name)
        .description(description)
        .baseUnit("bytes")
        .register(registry);
  }

  public String scrape() {
    return registry.scrape();
  }

  @Override
  public void close() {
    if (gc != null) {
      gc.close();
      gc = null;
    }
    registry.close();
  }
}
