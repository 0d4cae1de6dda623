package io.imgcdn.origin.source;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * A circuit breaker in front of S3: after a run of consecutive S3 timeouts it refuses calls at once
 * for a while, then lets one call through as a probe, and closes again when S3 answers it.
 * Thread-safe.
 */
public final class S3Breaker {
  /*
   * Why: a hung S3 (connections accepted, nothing answered) costs every cold miss the whole S3 timeout
   * and holds a connection of the SDK's pool for it; once it is known to be hung, failing at once is the
   * better answer for the client and for S3 when it comes back.
   * States [1]: CLOSED counts consecutive timeouts; the Nth opens. OPEN refuses every call until openFor
   * has passed; then the first call to ask is let through as the probe (HALF_OPEN) and the others are
   * still refused. The probe's outcome decides: a timeout opens again for openFor, any answer from S3
   * (an object, 404, a 5xx, a reset) closes. Only S3's own timeouts count: a call cut short by its
   * request's deadline says nothing about S3 (the caller was in a hurry), so it neither counts nor
   * resets the run, and an abandoned probe frees the probe's place for the next call.
   * [1] M. Nygard, Release It!, 2nd ed. (2018), "Circuit Breaker".
   */

  /** The breaker's state, in the order of its gauge's values. */
  public enum State {
    CLOSED,
    HALF_OPEN,
    OPEN
  }

  /** What a call that was let through learned about S3. */
  public enum Outcome {
    /** S3 answered (an object, an error status, a reset): it is not hung. */
    ANSWERED,
    /** S3 did not answer within its timeout. */
    TIMED_OUT,
    /** The call was given up for its request's deadline, before S3's own timeout. */
    ABANDONED
  }

  /** A call let through: report its outcome once with {@link #record}. */
  public static final class Permit {
    private final boolean probe;

    private Permit(boolean probe) {
      this.probe = probe;
    }
  }

  private static final Permit CALL = new Permit(false);

  private final int threshold;
  private final long openForNanos;
  private final LongSupplier clock;
  private final LongAdder opens = new LongAdder();
  private final LongAdder refused = new LongAdder();
  private State state = State.CLOSED;
  private int consecutiveTimeouts;
  private long openUntil;

  /**
   * @param threshold consecutive S3 timeouts that open the breaker; 0 never opens it
   * @param openFor how long it stays open before a probe is let through
   */
  public S3Breaker(int threshold, Duration openFor) {
    this(threshold, openFor, System::nanoTime);
  }

  S3Breaker(int threshold, Duration openFor, LongSupplier clock) {
    if (threshold < 0) {
      throw new IllegalArgumentException("threshold: " + threshold + " (expected: >= 0)");
    }
    this.threshold = threshold;
    this.openForNanos = openFor.toNanos();
    this.clock = clock;
  }

  /** A permit for one call to S3, or null when the breaker refuses it (open, or probing). */
  public synchronized @Nullable Permit tryAcquire() {
    switch (state) {
      case CLOSED -> {
        return CALL;
      }
      case OPEN -> {
        if (clock.getAsLong() - openUntil >= 0) {
          state = State.HALF_OPEN;
          return new Permit(true);
        }
      }
      case HALF_OPEN -> {}
    }
    refused.increment();
    return null;
  }

  /** Reports what the call let through by {@code permit} learned. */
  public synchronized void record(Permit permit, Outcome outcome) {
    switch (outcome) {
      case ANSWERED -> {
        consecutiveTimeouts = 0;
        state = State.CLOSED; // S3 answers again, whichever call showed it
      }
      case TIMED_OUT -> {
        consecutiveTimeouts++;
        if (permit.probe
            || state == State.CLOSED && threshold > 0 && consecutiveTimeouts >= threshold) {
          open();
        }
      }
      case ABANDONED -> {
        if (permit.probe && state == State.HALF_OPEN) {
          state = State.OPEN; // openUntil has passed: the next call becomes the probe
        }
      }
    }
  }

  private void open() {
    state = State.OPEN;
    openUntil = clock.getAsLong() + openForNanos;
    opens.increment();
  }

  public synchronized State state() {
    return state;
  }

  /** Consecutive S3 timeouts that open the breaker (0: never). */
  public int threshold() {
    return threshold;
  }

  /** Time left before a probe is let through; 0 unless open. */
  public synchronized Duration untilProbe() {
    return state == State.OPEN
        ? Duration.ofNanos(Math.max(0, openUntil - clock.getAsLong()))
        : Duration.ZERO;
  }

  /** How many times the breaker opened. */
  public long opens() {
    return opens.sum();
  }

  /** Calls refused while open or probing. */
  public long refused() {
    return refused.sum();
  }
}
