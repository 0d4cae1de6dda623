package io.imgcdn.bench.load;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;
import org.jspecify.annotations.Nullable;

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
  private final Map<String, long[]> byXCache = new HashMap<>();
  private static final int MAX_DISTINCT_X_CACHE = 4096;

  void error(ErrorKind kind) {
    errors.merge(kind, 1L, Long::sum);
  }

  /** Records a complete response. */
  void response(int status, long bytes, @Nullable String xCache, long latencyNanos) {
    responses++;
    bodyBytes += bytes;
    statusClasses[Math.clamp(status / 100, 0, 5)]++;
    if (status >= 500) {
      error(ErrorKind.STATUS_5XX);
    } else if (status >= 400) {
      error(ErrorKind.STATUS_4XX);
    }
    latencyMicros.recordValue(Math.max(0, latencyNanos / 1_000));
    // Hot path: count responses per distinct X-Cache value (a handful: node ids x verdicts) and
    // parse
    // each value once, when the counts are read.
    String key = xCache == null ? "" : xCache;
    long[] n = byXCache.get(key);
    if (n != null) {
      n[0]++;
    } else if (byXCache.size() < MAX_DISTINCT_X_CACHE) {
      byXCache.put(key, new long[] {1});
    } else {
      countTiers(key, 1);
    }
  }

  /** Folds the per-header counts into {@link #tiers} and {@link #servedFromCache}. */
  void foldXCache() {
    byXCache.forEach((header, n) -> countTiers(header, n[0]));
    byXCache.clear();
  }

  private void countTiers(String header, long n) {
    boolean cached = false;
    for (XCache.Entry e : XCache.parse(header)) {
      tiers.computeIfAbsent(e.tier(), t -> new TreeMap<>()).merge(e.verdict(), n, Long::sum);
      cached |= e.verdict().equals("hit") || e.verdict().equals("stale");
    }
    if (cached) {
      servedFromCache += n;
    }
  }

  /** Adds {@code o}'s counts (folding both sides' X-Cache counts first). */
  void add(Stats o) {
    foldXCache();
    o.foldXCache();
    latencyMicros.add(o.latencyMicros);
    sent += o.sent;
    responses += o.responses;
    bodyBytes += o.bodyBytes;
    servedFromCache += o.servedFromCache;
    for (int i = 0; i < statusClasses.length; i++) {
      statusClasses[i] += o.statusClasses[i];
    }
    o.errors.forEach((k, v) -> errors.merge(k, v, Long::sum));
    o.tiers.forEach(
        (tier, verdicts) ->
            verdicts.forEach(
                (v, n) ->
                    tiers.computeIfAbsent(tier, t -> new TreeMap<>()).merge(v, n, Long::sum)));
  }
}
