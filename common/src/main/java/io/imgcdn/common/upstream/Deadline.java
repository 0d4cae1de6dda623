package io.imgcdn.common.upstream;

import io.imgcdn.common.http.HttpError;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The time one request may still take in a tier, and the header that carries it to the next tier:
 * the edge's deadline travels inward, and each tier spends only what is left of it.
 */
public final class Deadline {
  /*
   * The header says how long the caller will wait for this request's response head, in whole
   * milliseconds: "X-Imgcdn-Deadline: 1850". Relative, not a point in time, so the nodes' clocks need
   * not agree; the time the request spent on the wire is not counted, which the margin covers.
   * Trust: only inner tiers read it, from callers on the private network; the edge builds its shard
   * requests' headers itself and never passes on a client's. A tier never extends what it was given:
   * its budget is the lower of the header and its own limit.
   * Margin: a tier keeps ANSWER_MARGIN of what it was given for its own answer (a 504 naming what
   * failed, and its trip back), so that answer reaches the caller before the caller gives up and names
   * the wrong tier.
   */

  /** The request header that carries the caller's remaining time, in milliseconds. */
  public static final String HEADER = "X-Imgcdn-Deadline";

  /** What a tier keeps of the time it was given, for its own answer. */
  public static final Duration ANSWER_MARGIN = Duration.ofMillis(100);

  private final long givenNanos;
  private final long expiresAt;
  private final LongSupplier clock;

  Deadline(long givenNanos, LongSupplier clock) {
    this.givenNanos = givenNanos;
    this.clock = clock;
    this.expiresAt = clock.getAsLong() + givenNanos;
  }

  /** A deadline {@code budget} from now. */
  public static Deadline in(Duration budget) {
    return new Deadline(budget.toNanos(), System::nanoTime);
  }

  /**
   * The budget of a request received with {@code requestHeaders}: the lower of the caller's {@link
   * #HEADER} and {@code limit}, less {@link #ANSWER_MARGIN}.
   *
   * @throws HttpError 400 when the header is there but not a number of milliseconds
   */
  public static Deadline of(HttpHeaders requestHeaders, Duration limit) {
    return of(requestHeaders.get(HEADER), limit, System::nanoTime);
  }

  static Deadline of(@Nullable String header, Duration limit, LongSupplier clock) {
    long budget = limit.toNanos();
    if (header != null) {
      budget = Math.min(budget, parseMillis(header) * 1_000_000L);
    }
    return new Deadline(Math.max(0, budget - ANSWER_MARGIN.toNanos()), clock);
  }

  private static long parseMillis(String header) {
    String v = header.strip();
    if (!v.isEmpty() && v.length() <= 12 && v.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return Long.parseLong(v);
    }
    throw HttpError.badRequest(
        HEADER + ": '" + header + "' (expected: the milliseconds the caller will wait, e.g. 1850)");
  }

  /**
   * Puts {@code wait}, the time the caller will wait for the response head, into {@code headers}.
   */
  public static HttpHeaders put(HttpHeaders headers, Duration wait) {
    return headers.set(HEADER, Math.max(0, wait.toMillis()));
  }

  /** Time left, never negative. */
  public Duration left() {
    return Duration.ofNanos(Math.max(0, nanosLeft()));
  }

  /** Time left: negative once spent. */
  public long nanosLeft() {
    return expiresAt - clock.getAsLong();
  }

  /** Whether no time is left: a tier then answers at once rather than start work. */
  public boolean spent() {
    return nanosLeft() <= 0;
  }

  /** What this tier was given to spend, in milliseconds (for messages). */
  public long givenMillis() {
    return givenNanos / 1_000_000;
  }
}
