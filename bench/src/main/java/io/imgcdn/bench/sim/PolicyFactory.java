package io.imgcdn.bench.sim;

import io.imgcdn.bench.workload.Trace;
import java.util.function.BiFunction;

/** Makes a fresh {@link CachePolicy} of a given capacity for replaying one trace. */
public interface PolicyFactory {

  /** Short name for tables, e.g. {@code lru}. */
  String name();

  /** A policy for {@code trace} (offline policies read it ahead; online ones must not). */
  CachePolicy create(Trace trace, long capacityBytes);

  /** Whether two replays of one trace always give the same hits (Caffeine's do not quite). */
  default boolean deterministic() {
    return true;
  }

  static PolicyFactory of(String name, BiFunction<Trace, Long, CachePolicy> create) {
    return of(name, true, create);
  }

  static PolicyFactory of(
      String name, boolean deterministic, BiFunction<Trace, Long, CachePolicy> create) {
    return new PolicyFactory() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public CachePolicy create(Trace trace, long capacityBytes) {
        return create.apply(trace, capacityBytes);
      }

      @Override
      public boolean deterministic() {
        return deterministic;
      }
    };
  }
}
