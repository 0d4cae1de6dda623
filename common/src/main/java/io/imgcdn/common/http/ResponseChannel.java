package io.imgcdn.common.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link Response} writes itself through: the request it answers and the way back to the
 * client, on any protocol: a place in an HTTP/1.1 connection's response order, or an HTTP/2 or
 * HTTP/3 stream. A response writes an {@code HttpResponse} and its content, which each protocol
 * frames its own way; only HTTP/1.1 also takes bytes already encoded ({@link #http1Wire}). Every
 * method must be called on {@link #eventLoop()}.
 */
public interface ResponseChannel {
  /** The protocol the request came on (metrics and access logs are labelled with it). */
  Protocol protocol();

  HttpMethod method();

  /** The request's headers (If-None-Match, Range, If-Range...). */
  HttpHeaders requestHeaders();

  /**
   * The request's version: HTTP/1.0 or HTTP/1.1 on an HTTP/1.1 connection, {@link
   * Protocol#version()} on a stream.
   */
  HttpVersion protocolVersion();

  /**
   * Whether the connection stays open after this response. When false the response must say {@code
   * Connection: close}; the connection is closed after {@link #end}. For an HTTP/1.0 client that
   * asked for keep-alive the response must say {@code Connection: keep-alive}. Always true on a
   * stream (HTTP/2 and HTTP/3 have no such header).
   */
  boolean keepAlive();

  ByteBufAllocator alloc();

  EventLoop eventLoop();

  /**
   * An {@code HttpResponse} or {@code HttpContent}, framed by the protocol's codec. The channel
   * takes ownership.
   */
  void write(Object httpObject);

  /**
   * The HTTP/1.1 connection's wire, for a response whose head is already encoded (a cache hit);
   * null on HTTP/2 and HTTP/3, where the same response is written as an {@code HttpResponse} and
   * its content.
   */
  @Nullable Http1Wire http1Wire();

  /** Flushes what was written so far (a stream flushes per piece; {@link #end} flushes too). */
  void flush();

  /** False while the client has not drained what was written: a stream should stop producing. */
  boolean isWritable();

  /**
   * Runs {@code task} once on the event loop when the channel becomes writable again, or closes; at
   * once (later on the loop) when it already is writable.
   */
  void onWritable(Runnable task);

  /** Whether the response can still reach the client. */
  boolean isOpen();

  /** Completes when the channel closes (client gone, stream reset, timeout, shutdown). */
  ChannelFuture closeFuture();

  /** This response is complete; {@code bodyBytes} were sent. The next response may go. */
  void end(long bodyBytes);

  /**
   * This response cannot be completed (e.g. the upstream broke mid-body): cut it off (HTTP/1.1
   * closes the connection, a stream is reset).
   */
  void abort();

  /** The pre-encoded path of an HTTP/1.1 connection. */
  interface Http1Wire {
    /**
     * Bytes already in HTTP/1.1 wire form (a head encoded in advance, or a body following one),
     * written past the HTTP encoder. Only between messages: never while an {@code HttpResponse}
     * written through {@link ResponseChannel#write} is unfinished. The wire takes ownership.
     */
    void writeEncoded(ByteBuf bytes);
  }
}
