package io.imgcdn.origin.security;

import java.util.Objects;

/**
 * A source or request that exceeds an {@link ImageLimits} bound. The message names the measured
 * value and the limit only, so it is safe to send to clients.
 */
public final class LimitExceededException extends Exception {

  private static final long serialVersionUID = 1L;

  LimitExceededException(String message) {
    super(message);
  }

  @Override
  public String getMessage() {
    return Objects.requireNonNull(super.getMessage()); // set by the only constructor
  }
}
