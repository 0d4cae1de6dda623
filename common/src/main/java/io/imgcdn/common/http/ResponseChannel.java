package io.imgcdn.common.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;

/**
 * What a {@link Response} writes itself through: the request it answers and the connection,
 * positioned so that responses leave in request order. Every method must be called on {@link
 * #eventLoop()}.
 */
public interface ResponseChannel {
  HttpMethod method();

  /** The request's headers (If-None-Match, Range, If-Range...). */
  HttpHeaders requestHeaders();

  HttpVersion protocolVersion();

  /**
   * Whether the connection stays open after this response. When false the response must say {@code
   * Connection: close}; the handler closes the connection after {@link #end}. For an HTTP/1.0
   * client that asked for keep-alive the response must say {@code Connection: keep-alive}.
   */
  boolean keepAlive();

  ByteBufAllocator alloc();

  EventLoop eventLoop();

  /**
   * An {@code HttpResponse} or {@code HttpContent} for the HTTP encoder. The channel takes
   * ownership.
   */
  void write(Object httpObject);

  /**
   * Bytes already in HTTP/1.1 wire form (a pre-encoded head, or a body following a pre-encoded
   * head), written past the HTTP encoder. Only between messages: never while an encoded message is
   * unfinished. The channel takes ownership.
   */
  void writeEncoded(ByteBuf bytes);

  /** Flushes what was written so far (a stream flushes per piece; {@link #end} flushes too). */
  void flush();

  /** False while the client has not drained what was written: a stream should stop producing. */
  boolean isWritable();

  /**
   * Runs {@code task} once on the event loop when the connection becomes writable again, or closes;
   * at once (later on the loop) when it already is writable.
   */
  void onWritable(Runnable task);

  /** Whether the connection is still open. */
  boolean isOpen();

  /** Completes when the connection closes (client gone, timeout, shutdown). */
  ChannelFuture closeFuture();

  /** This response is complete; {@code bodyBytes} were sent. The next response may go. */
  void end(long bodyBytes);

  /** This response cannot be completed (e.g. the upstream broke mid-body): close the connection. */
  void abort();
}
