package io.imgcdn.common.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpResponse;

/**
 * Receives one upstream response as it arrives: the head, then the body piece by piece. All calls
 * come on the upstream connection's event loop, in order; after {@link #head}, exactly one of
 * {@link #end} or {@link #failed} follows unless the receiver cancels; before it, only {@link
 * #failed} can come.
 */
public interface BodyReceiver {
  /** The status line and headers; {@code flow} paces or stops the body. */
  void head(HttpResponse head, BodyFlow flow);

  /** A piece of the body. The receiver owns it and must release it. */
  void content(ByteBuf piece);

  /** The body is complete. */
  void end();

  /**
   * No (complete) response: connect failure, timeout, reset, or a malformed response. {@code
   * headSeen} says whether {@link #head} was called first (a body cut short) or not (nothing was
   * received).
   */
  void failed(UpstreamException failure, boolean headSeen);
}
