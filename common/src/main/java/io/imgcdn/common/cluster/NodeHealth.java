package io.imgcdn.common.cluster;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Passive health of upstream nodes: a node that fails {@code threshold} requests in a row is
 * skipped for {@code ejectMillis}; then one request is let through, and a success re-admits it. A
 * node that announced a planned restart (its health probe answered 503 draining) is never ejected
 * while the restart may last: its refusals are the restart, and its keys wait for it ({@link
 * io.imgcdn.common.upstream.CandidateWalk}) rather than going to a node that does not hold them.
 */
public final class NodeHealth {
  private final int threshold;
  private final long ejectNanos;
  private final ConcurrentHashMap<String, State> states = new ConcurrentHashMap<>();

  private static final class State {
    final AtomicInteger consecutiveFailures = new AtomicInteger();
    final AtomicLong downUntil = new AtomicLong();
    final AtomicLong drainingUntil = new AtomicLong();
  }

  public NodeHealth(int threshold, long ejectMillis) {
    this.threshold = threshold;
    this.ejectNanos = ejectMillis * 1_000_000L;
  }

  public boolean isUp(String nodeId) {
    State s = states.get(nodeId);
    if (s == null || draining(s)) {
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
    if (draining(s)) {
      return; // the restart it announced, not a fault
    }
    if (s.consecutiveFailures.incrementAndGet() >= threshold) {
      s.downUntil.set(System.nanoTime() + ejectNanos);
    }
  }

  /**
   * The node announced that it drains for a planned restart: for {@code wait} from now (renewed by
   * each announcement) it is not ejected, and requests for its keys wait for it.
   */
  public void draining(String nodeId, java.time.Duration wait) {
    State s = states.computeIfAbsent(nodeId, id -> new State());
    s.drainingUntil.set(System.nanoTime() + Math.max(1, wait.toNanos()));
    s.consecutiveFailures.set(0);
    s.downUntil.set(0);
  }

  /** Whether the node announced a restart that may still be going on. */
  public boolean isDraining(String nodeId) {
    State s = states.get(nodeId);
    return s != null && draining(s);
  }

  /** The node answers as a healthy process again: its restart is over. */
  public void restarted(String nodeId) {
    State s = states.get(nodeId);
    if (s != null) {
      s.drainingUntil.set(0);
    }
  }

  private static boolean draining(State s) {
    long until = s.drainingUntil.get();
    return until != 0 && until - System.nanoTime() > 0;
  }

  /** Marks a node down now (e.g. an active health check failed). */
  public void markDown(String nodeId) {
    State s = states.computeIfAbsent(nodeId, id -> new State());
    if (draining(s)) {
      return;
    }
    s.consecutiveFailures.set(threshold);
    s.downUntil.set(System.nanoTime() + ejectNanos);
  }
}
