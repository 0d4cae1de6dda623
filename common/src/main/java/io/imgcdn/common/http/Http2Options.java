package io.imgcdn.common.http;

import io.imgcdn.common.config.Settings;
import java.time.Duration;

/**
 * Limits of the HTTP/2 connections of a serving port (RFC 9113), and the defences Netty's codec
 * enforces with them.
 *
 * <table>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>server.http2.enabled</td><td>true</td><td>offer h2 in ALPN on TLS ports, before http/1.1 (false: http/1.1 only)</td></tr>
 *   <tr><td>server.http2.max-concurrent-streams</td><td>128</td><td>SETTINGS_MAX_CONCURRENT_STREAMS; a stream beyond it is reset with REFUSED_STREAM</td></tr>
 *   <tr><td>server.http2.max-header-list-size</td><td>16384</td><td>SETTINGS_MAX_HEADER_LIST_SIZE, as HTTP/1.1's header limit; larger header blocks get 431, and a block grown past it by CONTINUATION frames ends the connection</td></tr>
 *   <tr><td>server.http2.initial-window-size</td><td>65535</td><td>SETTINGS_INITIAL_WINDOW_SIZE: what a client may send per stream unacknowledged (requests have no body)</td></tr>
 *   <tr><td>server.http2.max-resets</td><td>200</td><td>RST_STREAM frames a client may send per reset window before the connection is ended (rapid reset, CVE-2023-44487)</td></tr>
 *   <tr><td>server.http2.reset-window</td><td>30s</td><td>the window of max-resets</td></tr>
 *   <tr><td>server.http2.max-queued-control-frames</td><td>10000</td><td>answers to SETTINGS and PING frames queued for a client not reading them; beyond it the connection is ended (control frame floods)</td></tr>
 * </table>
 */
public record Http2Options(
    boolean enabled,
    int maxConcurrentStreams,
    int maxHeaderListSize,
    int initialWindowSize,
    int maxResets,
    Duration resetWindow,
    int maxQueuedControlFrames) {
  /*
   * HPACK bombs: the dynamic table the client's encoder may fill is the default 4096 bytes (we announce
   * no larger SETTINGS_HEADER_TABLE_SIZE), and a header block decodes to at most maxHeaderListSize bytes
   * or is refused: a small block of indexed references cannot expand unbounded. CONTINUATION floods
   * (CVE-2024-27316): Netty's frame reader sums a header block across its CONTINUATION frames and ends
   * the connection once the sum passes the list size bound (with some slack for HPACK), and limits runs
   * of small CONTINUATION frames, before any is decoded.
   */

  /** Largest header list: the same as HTTP/1.1's header block limit. */
  public static final int DEFAULT_MAX_HEADER_LIST_SIZE = ServerInitializer.MAX_HEADER_SIZE;

  public Http2Options {
    if (maxConcurrentStreams < 1) {
      throw new IllegalArgumentException(
          "maxConcurrentStreams: " + maxConcurrentStreams + " (expected: >= 1)");
    }
    if (maxHeaderListSize < 1024) {
      throw new IllegalArgumentException(
          "maxHeaderListSize: " + maxHeaderListSize + " (expected: >= 1024)");
    }
    if (initialWindowSize < 65535) {
      // Below the protocol's default, a client would have to wait for our first SETTINGS.
      throw new IllegalArgumentException(
          "initialWindowSize: " + initialWindowSize + " (expected: >= 65535)");
    }
    if (maxResets < 1 || resetWindow.toSeconds() < 1) {
      throw new IllegalArgumentException(
          "maxResets: " + maxResets + " per " + resetWindow + " (expected: >= 1 per >= 1s)");
    }
    if (maxQueuedControlFrames < 1) {
      throw new IllegalArgumentException(
          "maxQueuedControlFrames: " + maxQueuedControlFrames + " (expected: >= 1)");
    }
  }

  /** The defaults of the table above. */
  public static Http2Options defaults() {
    return new Http2Options(
        true, 128, DEFAULT_MAX_HEADER_LIST_SIZE, 65535, 200, Duration.ofSeconds(30), 10_000);
  }

  /** Reads the {@code server.http2.*} keys of the table above. */
  public static Http2Options from(Settings s) {
    Duration window = s.duration("server.http2.reset-window", "30s");
    if (window.toSeconds() < 1) {
      s.problem("server.http2.reset-window", window + " (expected: at least 1s)");
      window = Duration.ofSeconds(30);
    }
    return new Http2Options(
        s.bool("server.http2.enabled", true),
        s.integer("server.http2.max-concurrent-streams", 128, 1, 100_000),
        s.integer("server.http2.max-header-list-size", DEFAULT_MAX_HEADER_LIST_SIZE, 1024, 1 << 20),
        s.integer("server.http2.initial-window-size", 65535, 65535, Integer.MAX_VALUE),
        s.integer("server.http2.max-resets", 200, 1, 1_000_000),
        window,
        s.integer("server.http2.max-queued-control-frames", 10_000, 1, 1_000_000));
  }
}
