package io.imgcdn.common.upstream;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Turns concurrent requests for one key into one piece of work: the first caller (the leader)
 * starts it, everyone who arrives while it runs waits on the same future.
 */
public final class Coalescer<V> {
  /*
   * The leader puts its own, still incomplete future in the map before starting the work, and the entry
   * is removed before that future completes, so (1) the work's completion callback never runs inside a
   * ConcurrentHashMap compute (a synchronously failing start would otherwise be a recursive update) and
   * (2) a caller arriving after completion starts fresh instead of seeing a stale result. With a
   * `settled` step the entry stays until that step is done too: the value is not stale before then
   * (a shard's fill is shared until it is stored, so a request in between does not ask the origin
   * again), and callers can use it meanwhile.
   */
  private final ConcurrentHashMap<String, CompletableFuture<V>> inFlight =
      new ConcurrentHashMap<>();

  /** The shared future, and whether this caller started the work. */
  public record Join<V>(CompletableFuture<V> future, boolean leader) {}

  public Join<V> join(String key, Supplier<CompletableFuture<V>> work) {
    return join(key, work, null);
  }

  /**
   * {@link #join(String, Supplier)}, but a successful value stays shared until {@code
   * settled.apply(value)} completes: callers arriving meanwhile join it instead of starting the
   * work again, and have it at once.
   */
  public Join<V> join(
      String key,
      Supplier<CompletableFuture<V>> work,
      @Nullable Function<V, ? extends CompletableFuture<?>> settled) {
    CompletableFuture<V> mine = new CompletableFuture<>();
    CompletableFuture<V> existing = inFlight.putIfAbsent(key, mine);
    if (existing != null) {
      return new Join<>(existing, false);
    }
    CompletableFuture<V> started;
    try {
      started = work.get();
    } catch (RuntimeException e) {
      started = CompletableFuture.failedFuture(e);
    }
    started.whenComplete(
        (value, failure) -> {
          if (failure != null || settled == null) {
            inFlight.remove(key, mine);
            if (failure != null) {
              mine.completeExceptionally(failure);
            } else {
              mine.complete(value);
            }
            return;
          }
          CompletableFuture<?> until;
          try {
            until = settled.apply(value);
          } catch (RuntimeException e) {
            until = CompletableFuture.completedFuture(null);
          }
          mine.complete(value);
          until.whenComplete((v, e) -> inFlight.remove(key, mine));
        });
    return new Join<>(mine, true);
  }

  public int inFlight() {
    return inFlight.size();
  }
}
