package io.imgcdn.edge;

import io.imgcdn.common.http.Protocol;
import io.imgcdn.common.http.Response;
import io.imgcdn.common.http.ResponseObserver;
import io.imgcdn.common.node.NodeRuntime;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.handler.codec.http.HttpMethod;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Counts every finished request into the node's standard series (the ones NodeMetrics.request
 * feeds: imgcdn_requests_total by verdict, imgcdn_responses_total by status class, response bytes,
 * duration), and by the protocol it came on ({@code imgcdn_protocol_requests_total{protocol="h2"}},
 * "http/1.1", "h3"), without allocating on a hit.
 */
final class RequestMetrics implements ResponseObserver {
  /*
   * Micrometer returns the already registered meter for the same name and tags, so these are the very
   * counters NodeMetrics registers and /metrics is unchanged. What this saves per request: the verdict
   * substring, the "2xx" string, a Duration and two map lookups.
   */
  private final MeterRegistry registry;
  private final String hitChain;
  private final Counter hits;
  private final ConcurrentHashMap<String, Counter> byVerdict = new ConcurrentHashMap<>();
  private final Counter[] byClass = new Counter[6];
  private final Counter bytes;
  private final Timer latency;
  private final Counter[] byProtocol = new Counter[Protocol.values().length];

  @SuppressWarnings("EnumOrdinal") // indexes an in-memory array, as EnumMap does; never stored
  RequestMetrics(MeterRegistry registry, String nodeId) {
    this.registry = registry;
    this.hitChain = nodeId + ";hit";
    this.hits = verdictCounter("hit");
    for (int c = 1; c <= 5; c++) {
      byClass[c] =
          Counter.builder("imgcdn.responses")
              .description("Responses by status class")
              .tag("status", c + "xx")
              .register(registry);
    }
    this.bytes =
        Counter.builder("imgcdn.response.bytes")
            .description("Body bytes sent to clients")
            .baseUnit("bytes")
            .register(registry);
    this.latency =
        Timer.builder("imgcdn.request.duration")
            .description("Time from request to response")
            .register(registry);
    // A series of its own rather than a tag on imgcdn_requests_total, whose tags NodeMetrics
    // fixes for every tier.
    for (Protocol p : Protocol.values()) {
      byProtocol[p.ordinal()] =
          Counter.builder("imgcdn.protocol.requests")
              .description("Requests by the protocol they came on (ALPN id)")
              .tag("protocol", p.label())
              .register(registry);
    }
  }

  private Counter verdictCounter(String verdict) {
    return Counter.builder("imgcdn.requests")
        .description("Requests by this node's cache verdict")
        .tag("result", verdict)
        .register(registry);
  }

  @SuppressWarnings("EnumOrdinal") // indexes an in-memory array, as EnumMap does; never stored
  @Override
  public void completed(
      Protocol protocol,
      HttpMethod method,
      Response response,
      int status,
      long bodyBytes,
      long nanos) {
    String chain = response.xCache();
    Counter v =
        hitChain.equals(chain)
            ? hits
            : byVerdict.computeIfAbsent(
                NodeRuntime.verdict(response.xCache()), this::verdictCounter);
    v.increment();
    byProtocol[protocol.ordinal()].increment();
    int c = status / 100;
    if (c >= 1 && c <= 5) {
      byClass[c].increment();
    }
    bytes.increment(bodyBytes);
    latency.record(nanos, TimeUnit.NANOSECONDS);
  }
}
