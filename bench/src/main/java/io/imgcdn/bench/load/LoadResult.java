package io.imgcdn.bench.load;

import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * What a load run measured.
 *
 * @param spec what was run
 * @param elapsedNanos from the first scheduled send to the last response (or the end of the run)
 * @param sent requests written to a connection
 * @param responses complete responses, whatever their status
 * @param bodyBytes response body bytes
 * @param unsent open loop: scheduled requests never sent because every connection was busy (the
 *     generator or the server fell behind); 0 for a closed loop
 * @param statusClasses responses by status class: {@code 2xx} -> count, ...
 * @param errors failed requests by kind (4xx and 5xx responses are errors too)
 * @param latencyMicros response latency in microseconds: from the intended send time in an open
 *     loop, from the actual send in a closed loop
 * @param tiers per tier (from {@code X-Cache}), verdict -> count
 * @param servedFromCache responses in which some tier said {@code hit} or {@code stale}
 */
public record LoadResult(
    LoadSpec spec,
    long elapsedNanos,
    long sent,
    long responses,
    long bodyBytes,
    long unsent,
    Map<String, Long> statusClasses,
    Map<ErrorKind, Long> errors,
    Histogram latencyMicros,
    Map<String, Map<String, Long>> tiers,
    long servedFromCache) {

  static LoadResult of(LoadSpec spec, long elapsedNanos, Stats s, long unsent) {
    s.foldXCache();
    Map<String, Long> classes = new LinkedHashMap<>();
    for (int i = 1; i < s.statusClasses.length; i++) {
      if (s.statusClasses[i] > 0) {
        classes.put(i + "xx", s.statusClasses[i]);
      }
    }
    Map<String, Map<String, Long>> tiers = new TreeMap<>();
    s.tiers.forEach((t, v) -> tiers.put(t, Collections.unmodifiableMap(new TreeMap<>(v))));
    return new LoadResult(
        spec,
        elapsedNanos,
        s.sent,
        s.responses,
        s.bodyBytes,
        unsent,
        Collections.unmodifiableMap(classes),
        Collections.unmodifiableMap(new EnumMap<>(s.errors)),
        s.latencyMicros,
        Collections.unmodifiableMap(tiers),
        s.servedFromCache);
  }

  /** Failed requests of {@code kind}. */
  public long errors(ErrorKind kind) {
    return errors.getOrDefault(kind, 0L);
  }

  /** All failed requests. */
  public long errorCount() {
    return errors.values().stream().mapToLong(Long::longValue).sum();
  }

  public double seconds() {
    return elapsedNanos / 1e9;
  }

  /** Complete responses per second. */
  public double requestsPerSecond() {
    return elapsedNanos == 0 ? 0 : responses / seconds();
  }

  /** Response body bytes per second. */
  public double bytesPerSecond() {
    return elapsedNanos == 0 ? 0 : bodyBytes / seconds();
  }

  /** The latency at {@code percentile} (0-100) in milliseconds. */
  public double latencyMillis(double percentile) {
    return latencyMicros.getValueAtPercentile(percentile) / 1000.0;
  }

  /** Responses in which {@code tier} gave {@code verdict}. */
  public long verdicts(String tier, String verdict) {
    return tiers.getOrDefault(tier, Map.of()).getOrDefault(verdict, 0L);
  }

  /** Of the responses {@code tier} appeared in, the share it answered {@code hit}. */
  public double hitRatio(String tier) {
    Map<String, Long> v = tiers.getOrDefault(tier, Map.of());
    long total = v.values().stream().mapToLong(Long::longValue).sum();
    return total == 0 ? 0 : (double) v.getOrDefault("hit", 0L) / total;
  }

  /** Share of responses some tier answered from its cache. */
  public double servedFromCacheRatio() {
    return responses == 0 ? 0 : (double) servedFromCache / responses;
  }
}
