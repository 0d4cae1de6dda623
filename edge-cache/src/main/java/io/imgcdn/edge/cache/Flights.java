package io.imgcdn.edge.cache;

import io.imgcdn.common.http.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Misses in flight, one per key: concurrent misses for a key join the first one's fetch, and each
 * waiter gets its own future, completed the moment the fetch produces something to send.
 */
public final class Flights {
  /*
   * Why not one shared future (as Coalescer does): what a fetch produces may hold off-heap memory, and
   * every waiter must own a reference of its own, taken before the fetch drops its own. A shared future
   * cannot say when the last waiter has taken its reference (a waiter may attach its callback after
   * completion). Here the fetch closes the flight (no one can join any more), then hands each waiter
   * its own Response built for it; whoever completes a waiter's future has passed ownership on.
   * A flight is removed from the map when it closes, before any waiter is completed, so a request that
   * arrives afterwards starts afresh (and for a stored object, finds it in the cache).
   */
  private final ConcurrentHashMap<String, Flight> inFlight = new ConcurrentHashMap<>();

  /** One waiter: its future, and whether it started the fetch. */
  public record Waiter(CompletableFuture<Response> future, boolean leader) {}

  /** What {@link #join} returns: this caller's waiter, and the flight (to start it, if leader). */
  public record Join(Flight flight, Waiter waiter) {}

  /**
   * Joins the flight for {@code key}, or opens one; the caller that opens it must start the fetch.
   */
  public Join join(String key) {
    while (true) {
      Flight existing = inFlight.get(key);
      if (existing == null) {
        Flight mine = new Flight(key);
        Waiter leader = Objects.requireNonNull(mine.add(true)); // not published: still open
        existing = inFlight.putIfAbsent(key, mine);
        if (existing == null) {
          return new Join(mine, leader);
        }
      }
      Waiter w = existing.add(false);
      if (w != null) {
        return new Join(existing, w);
      }
      inFlight.remove(key, existing); // closed while we looked: help remove it, then retry
    }
  }

  /**
   * Joins the flight for {@code key} if one is open, else null (the caller then fetches in a way of
   * its own, e.g. a Range of a large object).
   */
  public @Nullable Join joinIfOpen(String key) {
    Flight existing = inFlight.get(key);
    if (existing == null) {
      return null;
    }
    Waiter w = existing.add(false);
    return w == null ? null : new Join(existing, w);
  }

  public int size() {
    return inFlight.size();
  }

  /** Requests waiting on all flights now (tests, metrics). */
  public int waiters() {
    int n = 0;
    for (Flight f : inFlight.values()) {
      synchronized (f) {
        n += f.waiters.size();
      }
    }
    return n;
  }

  /** The misses waiting for one key's fetch. */
  public final class Flight {
    private final String key;
    private final List<Waiter> waiters = new ArrayList<>(2);
    private boolean closed;

    private Flight(String key) {
      this.key = key;
    }

    public String key() {
      return key;
    }

    private synchronized @Nullable Waiter add(boolean leader) {
      if (closed) {
        return null;
      }
      Waiter w = new Waiter(new CompletableFuture<>(), leader);
      waiters.add(w);
      return w;
    }

    /**
     * Closes the flight to new waiters and returns its waiters, each to be completed exactly once.
     */
    public List<Waiter> close() {
      List<Waiter> result;
      synchronized (this) {
        closed = true;
        result = List.copyOf(waiters);
        waiters.clear();
      }
      inFlight.remove(key, this);
      return result;
    }
  }
}
