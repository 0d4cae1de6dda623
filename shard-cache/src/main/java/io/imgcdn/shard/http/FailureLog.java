package io.imgcdn.shard.http;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Logs a stream of failures of one kind without flooding the log: the first one at once, then at
 * most one summary line per interval ("N store writes refused in the last 10 s: last error").
 */
final class FailureLog {
  /*
   * Why: on a full disk every fill's store write fails; one WARN each gave 900-2400 lines in a few seconds
   * (docs/RELIABILITY.md, shard disk full). The count of every failure goes to a metric instead; the log
   * keeps the first failure with its key, and then says how many followed.
   *
   * Each logged line opens an interval. Failures inside it are counted, and a flush is scheduled for the
   * interval's end, where one summary line reports them (with the last error) and opens the next interval.
   * A failure after a quiet interval is logged at once again, with its key.
   */

  /** Runs a task once after a delay (an event loop's schedule, or a test's hand). */
  @FunctionalInterface
  interface Scheduler {
    void schedule(Runnable task, long delayNanos);
  }

  private final String one;
  private final String many;
  private final long intervalNanos;
  private final LongSupplier nanoClock;
  private final Scheduler scheduler;
  private final Consumer<String> sink;

  private boolean loggedAny;
  private long lastLineNanos;
  private long suppressed;
  private String lastError = ""; // the latest suppressed failure's, read only when one was
  private boolean flushScheduled;

  /**
   * @param one what failed, e.g. "store write refused"
   * @param many the same in the plural, e.g. "store writes refused"
   * @param sink where the lines go (a logger's warn)
   */
  FailureLog(
      String one,
      String many,
      Duration interval,
      LongSupplier nanoClock,
      Scheduler scheduler,
      Consumer<String> sink) {
    if (interval.isZero() || interval.isNegative()) {
      throw new IllegalArgumentException("interval: " + interval + " (expected: > 0)");
    }
    this.one = one;
    this.many = many;
    this.intervalNanos = interval.toNanos();
    this.nanoClock = nanoClock;
    this.scheduler = scheduler;
    this.sink = sink;
  }

  /**
   * One failure; {@code detail} names the item (escaped for the log), {@code error} what went
   * wrong.
   */
  void failed(String detail, String error) {
    String line = null;
    synchronized (this) {
      long now = nanoClock.getAsLong();
      if (!loggedAny || now - lastLineNanos >= intervalNanos && suppressed == 0) {
        loggedAny = true;
        lastLineNanos = now;
        line =
            one
                + ": "
                + detail
                + ": "
                + error
                + " (more within "
                + intervalNanos / 1_000_000_000L
                + " s: one summary line)";
      } else {
        suppressed++;
        lastError = error;
        if (!flushScheduled) {
          try {
            scheduler.schedule(this::flush, Math.max(0, lastLineNanos + intervalNanos - now));
            flushScheduled = true;
          } catch (java.util.concurrent.RejectedExecutionException e) {
            // shutting down: the summary is lost with the node, the metric has the count
          }
        }
      }
    }
    if (line != null) {
      sink.accept(line);
    }
  }

  /**
   * Writes the summary of the failures since the last line, if any; called at the interval's end.
   */
  void flush() {
    String line;
    synchronized (this) {
      flushScheduled = false;
      if (suppressed == 0) {
        return;
      }
      long now = nanoClock.getAsLong();
      line =
          suppressed
              + " "
              + (suppressed == 1 ? one : many)
              + " in the last "
              + Math.max(1, Math.round((now - lastLineNanos) / 1e9))
              + " s: "
              + lastError;
      suppressed = 0;
      lastLineNanos = now;
    }
    sink.accept(line);
  }
}
