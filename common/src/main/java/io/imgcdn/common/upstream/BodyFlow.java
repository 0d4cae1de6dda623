package io.imgcdn.common.upstream;

import io.netty.util.concurrent.EventExecutor;

/**
 * Paces the body of one upstream response: reading stops while paused, so a slow consumer slows the
 * upstream transfer (TCP flow control) instead of the body piling up in memory. Thread-safe.
 */
public interface BodyFlow {
  /** Stops reading from the connection after the pieces already read. */
  void pause();

  /** Reads again. */
  void resume();

  /**
   * Abandons the response: the connection is closed (its state is unknown), no further callbacks.
   */
  void cancel();

  /** The event loop of the connection, where the receiver is called. */
  EventExecutor executor();
}
