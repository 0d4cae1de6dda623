package io.imgcdn.bench.sim;

/** First in, first out, by bytes: a hit does not move the object (see {@link LinkedHashPolicy}). */
public final class FifoPolicy extends LinkedHashPolicy {

  public FifoPolicy(long capacityBytes) {
    super(capacityBytes, false);
  }
}
