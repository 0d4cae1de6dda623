package io.imgcdn.edge.http3;

import io.imgcdn.common.config.Settings;
import io.imgcdn.common.http.Http2Options;
import java.time.Duration;

/**
 * Limits of the edge's HTTP/3 connections (RFC 9114 over QUIC, RFC 9000), served on the HTTPS
 * port's number over UDP.
 *
 * <table>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>server.http3.enabled</td><td>false</td><td>serve HTTP/3 when the edge has certificates, and advertise it with Alt-Svc on HTTPS responses; off by default: a hit over HTTP/3 costs the edge several times the CPU of one over HTTP/1.1 or HTTP/2 (measured, bench/results), and Alt-Svc would move every browser to it</td></tr>
 *   <tr><td>server.http3.max-concurrent-streams</td><td>128</td><td>request streams a client may have open at once (QUIC initial_max_streams_bidi, renewed as streams end); a client cannot open more</td></tr>
 *   <tr><td>server.http3.max-header-list-size</td><td>16384</td><td>SETTINGS_MAX_FIELD_SECTION_SIZE, as HTTP/1.1's header limit; a larger header section is refused</td></tr>
 *   <tr><td>server.http3.idle-timeout</td><td>server.idle-timeout</td><td>QUIC max_idle_timeout: a connection with no packet for this long is closed</td></tr>
 *   <tr><td>server.http3.initial-max-data</td><td>1m</td><td>what a client may send on a connection unacknowledged (requests have no body)</td></tr>
 *   <tr><td>server.http3.initial-max-stream-data</td><td>64k</td><td>what a client may send per request stream unacknowledged: its header section</td></tr>
 * </table>
 */
public record Http3Options(
    boolean enabled,
    int maxConcurrentStreams,
    int maxHeaderListSize,
    Duration idleTimeout,
    long initialMaxData,
    long initialMaxStreamData) {
  /*
   * Windows: these are what the edge lets a client send. What the edge sends is bounded by the client's
   * windows (its transport parameters), and a stream channel is writable only while quiche can take more
   * of it, so a slow reader holds at most a window per stream queued, as on HTTP/2. QPACK bombs: the
   * dynamic table is off (capacity 0, Netty's default for a server), so a header section decodes from
   * literals and static references only, and one over max-header-list-size is refused.
   */

  public Http3Options {
    if (maxConcurrentStreams < 1) {
      throw new IllegalArgumentException(
          "maxConcurrentStreams: " + maxConcurrentStreams + " (expected: >= 1)");
    }
    if (maxHeaderListSize < 1024) {
      throw new IllegalArgumentException(
          "maxHeaderListSize: " + maxHeaderListSize + " (expected: >= 1024)");
    }
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("idleTimeout: " + idleTimeout + " (expected: > 0)");
    }
    if (initialMaxStreamData < maxHeaderListSize) {
      // A header section must fit in the stream's window, or a request could never be sent whole.
      throw new IllegalArgumentException(
          "initialMaxStreamData: "
              + initialMaxStreamData
              + " (expected: >= maxHeaderListSize "
              + maxHeaderListSize
              + ")");
    }
    if (initialMaxData < initialMaxStreamData) {
      throw new IllegalArgumentException(
          "initialMaxData: "
              + initialMaxData
              + " (expected: >= initialMaxStreamData "
              + initialMaxStreamData
              + ")");
    }
  }

  /** The defaults of the table above, with this idle timeout. */
  public static Http3Options defaults(Duration idleTimeout) {
    return new Http3Options(
        false, 128, Http2Options.DEFAULT_MAX_HEADER_LIST_SIZE, idleTimeout, 1L << 20, 64L << 10);
  }

  /**
   * Reads the {@code server.http3.*} keys of the table above; {@code idleTimeout}: the serving
   * port's (server.idle-timeout), the default.
   */
  public static Http3Options from(Settings s, Duration idleTimeout) {
    int headerList =
        s.integer(
            "server.http3.max-header-list-size",
            Http2Options.DEFAULT_MAX_HEADER_LIST_SIZE,
            1024,
            1 << 20);
    Duration idle = s.duration("server.http3.idle-timeout", idleTimeout.toMillis() + "ms");
    long streamData = s.bytes("server.http3.initial-max-stream-data", "64k", 1024);
    if (streamData < headerList) {
      s.problem(
          "server.http3.initial-max-stream-data",
          streamData
              + " (expected: at least server.http3.max-header-list-size, "
              + headerList
              + ")");
      streamData = Math.max(64L << 10, headerList);
    }
    long data = s.bytes("server.http3.initial-max-data", "1m", 1024);
    if (data < streamData) {
      s.problem(
          "server.http3.initial-max-data",
          data + " (expected: at least server.http3.initial-max-stream-data, " + streamData + ")");
      data = Math.max(1L << 20, streamData);
    }
    return new Http3Options(
        s.bool("server.http3.enabled", false),
        s.integer("server.http3.max-concurrent-streams", 128, 1, 100_000),
        headerList,
        idle,
        data,
        streamData);
  }
}
