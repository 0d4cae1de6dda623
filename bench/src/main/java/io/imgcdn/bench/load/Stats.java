package io.imgcdn.bench.load;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/** Counters of one connection (touched by its event loop only) or, merged, of a run. */
final class Stats {

  final Histogram latencyMicros = new Histogram(3); // auto-resizing
  long sent;
  long responses;
  long bodyBytes;
  long servedFromCache;
  final long[] statusClasses = new long[6]; // index = status / 100
  final EnumMap<ErrorKind, Long> errors = new EnumMap<>(ErrorKind.class);
  final Map<String, Map<String, Long>> tiers = new TreeMap<>();

  void error(ErrorKind kind) {
    errors.merge(kind, 1L, Long::sum);
  }

  /** Records a complete response. */
  void response(int status, long bytes, String xCache, long latencyNanos) {
    responses++;
    bodyBytes += bytes;
    statusClasses[Math.clamp(status / 100, 0, 5)]++;
    if (status >= 500) {
      error(ErrorKind.STATUS_5XX);
    } else if (status >= 400) {
      error(ErrorKind.STATUS_4XX);
    }
    latencyMicros.recordValue(Math.max(0, latencyNanos / 1_000));
    List<XCache.Entry> entries = XCache.parse(xCache);
    boolean cached = false;
    for (XCache.Entry e : entries) {
      tiers.computeIfAbsent(e.tier(), t -> new TreeMap<>()).merge(e.verdict(), 1L, Long::sum);
      cached |= e.verdict().equals("hit") || e.verdict().equals("stale");
    }
    if (cached) {
      servedFromCache++;
    }
  }

  void add(Stats o) {
    latencyMicros.add(o.latencyMicros);
    sent += o.sent;
    responses += o.responses;
    bodyBytes += o.bodyBytes;
    servedFromCache += o.servedFromCache;
    for (int i = 0; i < statusClasses.length; i++) {
      statusClasses[i] += o.statusClasses[i];
    }
    o.errors.forEach((k, v) -> errors.merge(k, v, Long::sum));
    o.tiers.forEach((tier, verdicts) -> verdicts.forEach(
        (v, n) -> tiers.computeIfAbsent(tier, t -> new TreeMap<>()).merge(v, n, Long::sum)));
  }
}
