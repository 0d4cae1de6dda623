package io.imgcdn.common.cluster;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Passive health of upstream nodes: a node that fails {@code threshold} requests in a row is skipped for
 * {@code ejectMillis}; then one request is let through, and a success re-admits it.
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
