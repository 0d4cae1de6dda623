package io.imgcdn.bench.load;

/** Why a request failed. */
public enum ErrorKind {
  /** The connection could not be opened (refused, unreachable, connect timeout). */
  CONNECT,
  /** No complete response within the request timeout. */
  TIMEOUT,
  /**
   * The connection broke while a request was in flight (reset, closed early, malformed response).
   */
  IO,
  /** The response status was 4xx. */
  STATUS_4XX,
  /** The response status was 5xx. */
  STATUS_5XX;

  /**
   * Lower-case label for tables: {@code connect}, {@code timeout}, {@code io}, {@code 4xx}, {@code
   * 5xx}.
   */
  public String label() {
    return switch (this) {
      case CONNECT -> "connect";
      case TIMEOUT -> "timeout";
      case IO -> "io";
      case STATUS_4XX -> "4xx";
      case STATUS_5XX -> "5xx";
    };
  }
}
