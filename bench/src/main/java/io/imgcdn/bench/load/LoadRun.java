package io.imgcdn.bench.load;

import io.imgcdn.bench.workload.Trace;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/** The state the connections of one run share: the schedule, the deadline and the stop flag. */
final class LoadRun {

  final LoadSpec spec;
  final long startNanos;
  final long deadlineNanos;
  final long scheduled;
  volatile boolean stopping;
  private final AtomicLong next = new AtomicLong();
  private final CountDownLatch done;

  LoadRun(LoadSpec spec, long startNanos) {
    this.spec = spec;
    this.startNanos = startNanos;
    this.deadlineNanos = startNanos + spec.duration().toNanos();
    this.done = new CountDownLatch(spec.connections());
    // Open loop: slots whose intended time falls before the deadline.
    long slotsInTime =
        spec.openLoop()
            ? (long) Math.ceil(spec.duration().toNanos() / 1e9 * spec.ratePerSecond())
            : Long.MAX_VALUE;
    this.scheduled = Math.min(spec.maxRequests(), slotsInTime);
  }

  /** The next slot of the schedule, or -1 when the run has issued all it may. */
  long claim() {
    long i = next.getAndIncrement();
    return i < scheduled ? i : -1;
  }

  /** Open loop: when slot {@code i} should be sent. */
  long intendedNanos(long i) {
    return startNanos + (long) (i * 1e9 / spec.ratePerSecond());
  }

  /** The URL path of slot {@code i}: the trace, from its offset, wrapping around. */
  String path(long i) {
    Trace t = spec.trace();
    return t.path(t.objectAt((int) ((spec.traceOffset() + i) % t.length())));
  }

  void finished(Connection c) {
    done.countDown();
  }

  CountDownLatch done() {
    return done;
  }
}
