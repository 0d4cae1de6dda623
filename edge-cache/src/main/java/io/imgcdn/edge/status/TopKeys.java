package io.imgcdn.edge.status;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The keys requested most in fixed windows (the current one and the last complete one), each with
 * its request count and bytes sent, in memory bounded by {@code perThread} counters per serving
 * thread.
 */
final class TopKeys {
  /*
   * One Space-Saving summary (HeavyHitters) per event-loop thread, each behind its own lock: the loop that
   * owns it is almost always the only one taking the lock, so a request pays an uncontended lock and an
   * O(1) update; the status page locks each summary for the time it takes to copy 128 entries. Readers
   * merge the per-thread summaries by summing per key (a key evicted from one summary but not another is
   * then undercounted there; the error column says how much of a count may be a stranger's).
   * Windows reset rather than decay: every `window` the summaries are copied into "last window" and
   * cleared, so the page answers "what was hot in the last minute" with plain counts.
   */
  /** The merged view of one window. */
  record Window(Instant start, Instant end, long requests, List<HeavyHitters.Entry> keys) {}

  private final int perThread;
  private final Duration window;
  private final CopyOnWriteArrayList<Summary> summaries = new CopyOnWriteArrayList<>();
  private final ThreadLocal<Summary> mine = ThreadLocal.withInitial(this::register);
  private volatile Instant windowStart = Instant.now();
  private volatile Window last;

  /** One serving thread's summary. */
  static final class Summary {
    final ReentrantLock lock = new ReentrantLock();
    final HeavyHitters keys;

    Summary(int capacity) {
      keys = new HeavyHitters(capacity);
    }
  }

  TopKeys(int perThread, Duration window) {
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("window: " + window + " (expected: > 0)");
    }
    this.perThread = perThread;
    this.window = window;
    this.last = new Window(windowStart, windowStart, 0, List.of());
  }

  private Summary register() {
    Summary s = new Summary(perThread);
    summaries.add(s);
    return s;
  }

  Duration window() {
    return window;
  }

  /**
   * The calling thread's summary; hold it (e.g. per connection) to skip the thread-local lookup.
   */
  Summary summaryForCurrentThread() {
    return mine.get();
  }

  /**
   * Counts one request for {@code key} into {@code summary} (from {@link
   * #summaryForCurrentThread}).
   */
  void add(Summary s, String key, long bytes) {
    s.lock.lock();
    try {
      s.keys.add(key, bytes);
    } finally {
      s.lock.unlock();
    }
  }

  /** Ends the current window: it becomes the last one, and counting starts over. */
  void rotate() {
    Instant end = Instant.now();
    last = merge(windowStart, end, true);
    windowStart = end;
  }

  /** The current window so far, the top {@code limit} keys. */
  Window current(int limit) {
    return top(merge(windowStart, Instant.now(), false), limit);
  }

  /** The last complete window, the top {@code limit} keys. */
  Window last(int limit) {
    return top(last, limit);
  }

  private static Window top(Window w, int limit) {
    return w.keys().size() <= limit
        ? w
        : new Window(w.start(), w.end(), w.requests(), w.keys().subList(0, limit));
  }

  private Window merge(Instant start, Instant end, boolean clear) {
    Map<String, long[]> sums = new HashMap<>();
    long requests = 0;
    for (Summary s : summaries) {
      List<HeavyHitters.Entry> entries;
      s.lock.lock();
      try {
        entries = s.keys.entries();
        requests += s.keys.total();
        if (clear) {
          s.keys.clear();
        }
      } finally {
        s.lock.unlock();
      }
      for (HeavyHitters.Entry e : entries) {
        long[] sum = sums.computeIfAbsent(e.key(), k -> new long[3]);
        sum[0] += e.count();
        sum[1] += e.error();
        sum[2] += e.bytes();
      }
    }
    List<HeavyHitters.Entry> merged = new ArrayList<>(sums.size());
    sums.forEach((k, v) -> merged.add(new HeavyHitters.Entry(k, v[0], v[1], v[2])));
    merged.sort(
        (a, b) ->
            a.count() != b.count()
                ? Long.compare(b.count(), a.count())
                : a.key().compareTo(b.key()));
    return new Window(start, end, requests, List.copyOf(merged));
  }
}
