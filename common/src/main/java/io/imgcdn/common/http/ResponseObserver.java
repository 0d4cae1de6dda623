package io.imgcdn.common.http;

import io.netty.handler.codec.http.HttpMethod;

/**
 * Told about every finished response (metrics, the status page), on the connection's event loop.
 */
@FunctionalInterface
public interface ResponseObserver {
  /**
   * {@code response} went out on {@code protocol} with {@code bodyBytes} of body, {@code nanos}
   * after its request was read; it is no longer usable except for its accessors.
   */
  void completed(
      Protocol protocol, HttpMethod method, Response response, long bodyBytes, long nanos);
}
