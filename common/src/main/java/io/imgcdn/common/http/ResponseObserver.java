package io.imgcdn.common.http;

import io.netty.handler.codec.http.HttpMethod;

/**
 * Told about every finished response (metrics, the status page), on the connection's event loop.
 */
@FunctionalInterface
public interface ResponseObserver {
  /**
   * {@code response} went out on {@code protocol} with status {@code status} (the one sent: a 304
   * or 206 when the request's headers made the answer one) and {@code bodyBytes} of body, {@code
   * nanos} after its request was read; it is no longer usable except for its accessors.
   */
  void completed(
      Protocol protocol,
      HttpMethod method,
      Response response,
      int status,
      long bodyBytes,
      long nanos);
}
