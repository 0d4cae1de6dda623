package io.imgcdn.common.upstream;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * Bytes of response bodies an {@link UpstreamClient} collects whole at once ({@link
 * UpstreamClient#get}), so that a burst of large fills cannot take more memory than this: a body
 * that does not fit waits, in arrival order, with its connection paused, until earlier ones are
 * done. One body is always admitted when nothing else is being collected, however large
 * (max-response-bytes bounds it).
 */
final class CollectBudget {
  /** Admission of one body: granted at once, or later through the callback given to acquire. */
  final class Grant {
    private final long bytes;
    private final Runnable onGranted;
    private boolean granted;
    private boolean done;

    private Grant(long bytes, Runnable onGranted) {
      this.bytes = bytes;
      this.onGranted = onGranted;
    }

    /** Whether the body may be collected now (if not, the callback runs once it may). */
    boolean granted() {
      synchronized (CollectBudget.this) {
        return granted;
      }
    }

    /**
     * The body is done with (collected, failed or abandoned): frees its bytes or leaves the queue.
     * Idempotent.
     */
    void release() {
      List<Grant> now;
      synchronized (CollectBudget.this) {
        if (done) {
          return;
        }
        done = true;
        if (!granted) {
          waiting.remove(this);
          return;
        }
        used -= bytes;
        now = admitWaiting();
      }
      now.forEach(g -> g.onGranted.run());
    }
  }

  private final long limit;
  private final ArrayDeque<Grant> waiting = new ArrayDeque<>();
  private final LongAdder waits = new LongAdder();
  private long used;
  private long peak;

  /**
   * @param limit bytes collected at once; 0 or less: no limit
   */
  CollectBudget(long limit) {
    this.limit = limit;
  }

  /**
   * Asks to collect a body of {@code bytes}; {@code onGranted} runs (on the releasing thread) if it
   * must wait.
   */
  Grant acquire(long bytes, Runnable onGranted) {
    Grant g = new Grant(bytes, onGranted);
    synchronized (this) {
      if (waiting.isEmpty() && fits(bytes)) {
        admit(g);
      } else {
        waiting.add(g);
        waits.increment();
      }
    }
    return g;
  }

  private boolean fits(long bytes) {
    return limit <= 0 || used == 0 || used + bytes <= limit;
  }

  private void admit(Grant g) {
    g.granted = true;
    used += g.bytes;
    peak = Math.max(peak, used);
  }

  private List<Grant> admitWaiting() {
    List<Grant> admitted = new ArrayList<>();
    while (!waiting.isEmpty() && fits(waiting.peek().bytes)) {
      Grant g = waiting.poll();
      admit(g);
      admitted.add(g);
    }
    return admitted;
  }

  /** Bodies that had to wait for room. */
  long waits() {
    return waits.sum();
  }

  /** The most bytes admitted at once so far. */
  synchronized long peakBytes() {
    return peak;
  }

  synchronized long usedBytes() {
    return used;
  }
}
