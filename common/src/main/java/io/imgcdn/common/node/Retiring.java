package io.imgcdn.common.node;

/**
 * A node that announces its end before it closes: {@code imgcdn edge|shard|origin} calls {@link
 * #retire} on SIGTERM, then {@link #close}.
 */
public interface Retiring extends AutoCloseable {
  /**
   * For server.shutdown-announce, keeps accepting and serving while every connection's next
   * response closes it, health probes answer 503 draining and /readyz 503; returns when that time
   * is up. {@link #close} then stops accepting and drains.
   */
  void retire();
}
