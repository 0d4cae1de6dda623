package io.imgcdn.bench.sim;

/** Least recently used, by bytes (see {@link LinkedHashPolicy}). */
public final class LruPolicy extends LinkedHashPolicy {

  public LruPolicy(long capacityBytes) {
    super(capacityBytes, true);
  }
}
