package io.imgcdn.common.upstream;

import org.jspecify.annotations.Nullable;

/**
 * A request to the next tier got no usable response: connect failure, timeout, reset or an
 * oversized body. The kind says which, so callers can decide whether the next candidate is worth a
 * try.
 */
public final class UpstreamException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong. */
  public enum Kind {
    CONNECT,
    TIMEOUT,
    CLOSED,
    TOO_LARGE,
    POOL_EXHAUSTED
  }

  private final Kind kind;
  private final String address;

  public UpstreamException(Kind kind, String address, String message, @Nullable Throwable cause) {
    super(address + ": " + message, cause, false, false);
    this.kind = kind;
    this.address = address;
  }

  public Kind kind() {
    return kind;
  }

  public String address() {
    return address;
  }
}
