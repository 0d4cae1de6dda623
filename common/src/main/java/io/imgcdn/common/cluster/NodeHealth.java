package io.imgcdn.common.cluster;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Passive health of upstream nodes: a node that fails {@code threshold} requests in a row is
 * skipped for {@code ejectMillis}; then one request is let through, and a success re-admits it.
 */
public final class NodeHealth {
  private final int threshold;
  private final long ejectNanos;
  private final ConcurrentHashMap<String, State> states = new ConcurrentHashMap<>();

  private static final class State {
    final AtomicInteger consecutiveFailures = new AtomicInteger();
    final AtomicLong downUntil = new AtomicLong();
  }

  public NodeHealth(int threshold, long ejectMillis) {
    this.threshold = threshold;
    this.ejectNanos = ejectMillis * 1_000_000L;
  }

  public boolean isUp(String nodeId) {
    State s = states.get(nodeId);
    if (s == null) {
      return true;
    }
    long until = s.downUntil.get();
    if (until == 0) {
      return true;
    }
    long now = System.nanoTime();
    // Half-open: after the ejection period, one caller wins the CAS and probes the node.
    return now - until >= 0 && s.downUntil.compareAndSet(until, now + ejectNanos);
  }

  /**
   * A node's state for status pages: what {@link #isUp} would answer, read without taking the
   * half-open probe (isUp hands that probe to its caller).
   *
   * @param consecutiveFailures failed requests and probes in a row since the last success
   * @param ejected skipped by routing now, or waiting for its one half-open probe
   * @param retryInMillis time left before the half-open probe is let through; 0 when not ejected or
   *     due
   */
  public record View(int consecutiveFailures, boolean ejected, long retryInMillis) {}

  /** {@code nodeId}'s state, without changing it. */
  public View view(String nodeId) {
    State s = states.get(nodeId);
    if (s == null) {
      return new View(0, false, 0);
    }
    long until = s.downUntil.get();
    long left = until == 0 ? 0 : Math.max(0, until - System.nanoTime());
    return new View(s.consecutiveFailures.get(), until != 0, left / 1_000_000L);
  }

  public void success(String nodeId) {
    State s = states.get(nodeId);
    if (s != null) {
      s.consecutiveFailures.set(0);
      s.downUntil.set(0);
    }
  }

  public void failure(String nodeId) {
    State s = states.computeIfAbsent(nodeId, id -> new State());
    if (s.consecutiveFailures.incrementAndGet() >= threshold) {
      s.downUntil.set(System.nanoTime() + ejectNanos);
    }
  }

  /** Marks a node down now (e.g. an active health check failed). */
  public void markDown(String nodeId) {
    State s = states.computeIfAbsent(nodeId, id -> new State());
    s.consecutiveFailures.set(threshold);
    s.downUntil.set(System.nanoTime() + ejectNanos);
  }
}
