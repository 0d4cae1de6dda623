package io.imgcdn.common.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import org.jspecify.annotations.Nullable;

/**
 * One answer ready to be written through a {@link ResponseChannel}: a {@link Reply} built on the
 * heap, or a tier's own kind (a pre-encoded cache hit, a body streamed from upstream). The
 * connection's handler calls exactly one of {@link #write} or {@link #discard}, on the connection's
 * event loop (on HTTP/1.1 in request order).
 */
public interface Response {
  /*
   * Ownership: a Response may hold reference-counted memory (an off-heap cached body). Whoever ends up
   * with it must either write it (write() then owns the release, usually by handing the buffers to the
   * channel, which releases them once they are on the wire) or discard() it when the connection went away
   * before its turn. That is why the handler, not the tier, decides which of the two happens.
   */

  /**
   * The status of the answer before the request's conditional and Range headers are applied (a 200
   * that goes out as a 304 or 206 says 200 here); logs and metrics use the status actually written,
   * which the exchange records, and this one only for a head written pre-encoded.
   */
  HttpResponseStatus status();

  /**
   * The Content-Type of the representation, when known before writing (a response policy may refuse
   * some types); null otherwise.
   */
  default @Nullable String contentType() {
    return null;
  }

  /**
   * The X-Cache chain, nearest tier first ("edge-1;hit"); this node's verdict is its first entry.
   */
  String xCache();

  /**
   * Writes the response (head and body) through {@code out} and calls {@link ResponseChannel#end}
   * once the last byte has been handed to the channel: at once for a buffered response, later for a
   * stream.
   */
  void write(ResponseChannel out);

  /**
   * Frees what this response holds; called instead of {@link #write} when it will never be written.
   */
  default void discard() {}
}
