package io.imgcdn.common.accesslog;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import org.jspecify.annotations.Nullable;

/**
 * One finished request as the event loop hands it to the writer thread, and its formatting as an
 * LTSV or JSON line. Formatting runs on the writer thread only.
 */
record AccessLine(
    long epochMillis,
    String method,
    String uri,
    String protocol,
    @Nullable SocketAddress remote,
    @Nullable String userAgent,
    @Nullable String requestId,
    int status,
    long bytes,
    long nanos,
    @Nullable String xCache) {
  /*
   * Labels follow ltsv.org's recommended set where one fits (time, host, method, uri, protocol, status,
   * size, ua, cache, reqtime_microsec as Apache's %D), plus node, upstream (the next tier's node that
   * answered, from X-Cache), xcache (the whole chain) and reqid (the client's X-Request-Id). JSON lines use
   * the same names.
   *
   * Escaping. LTSV forbids tabs and newlines in values and has no escape of its own; we write every
   * control character (C0, DEL, C1) as \xHH and a backslash as \\, so a line is always one line, the
   * labels cannot be forged from a request path, and the original bytes can be recovered. JSON escapes by
   * its own rules (RFC 8259 section 7), controls as backslash-u00HH. An absent value is "-" in LTSV, null in JSON.
   */
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  /**
   * This node's verdict: the first X-Cache entry's ("edge-1;hit, shard-2;miss" gives "hit"), or
   * null.
   */
  static @Nullable String verdict(@Nullable String xCache) {
    if (xCache == null) {
      return null;
    }
    int semi = xCache.indexOf(';');
    if (semi < 0) {
      return null;
    }
    int comma = xCache.indexOf(',', semi);
    return xCache.substring(semi + 1, comma < 0 ? xCache.length() : comma).strip();
  }

  /** The node of the second X-Cache entry ("edge-1;miss, shard-2;hit" gives "shard-2"), or null. */
  static @Nullable String upstream(@Nullable String xCache) {
    if (xCache == null) {
      return null;
    }
    int comma = xCache.indexOf(',');
    if (comma < 0) {
      return null;
    }
    int semi = xCache.indexOf(';', comma);
    int next = xCache.indexOf(',', comma + 1);
    int end = semi < 0 || next >= 0 && next < semi ? (next < 0 ? xCache.length() : next) : semi;
    String node = xCache.substring(comma + 1, end).strip();
    return node.isEmpty() ? null : node;
  }

  static @Nullable String host(@Nullable SocketAddress remote) {
    if (remote instanceof InetSocketAddress inet) {
      return inet.getAddress() != null ? inet.getAddress().getHostAddress() : inet.getHostString();
    }
    return remote == null ? null : remote.toString();
  }

  /** Appends the line (without newline) to {@code out}. */
  void appendTo(StringBuilder out, AccessLogSettings.Format format, String node, TimeText time) {
    boolean json = format == AccessLogSettings.Format.JSON;
    if (json) {
      out.append('{');
    }
    label(out, json, "time");
    quoteIf(out, json);
    time.append(out, epochMillis);
    quoteIf(out, json);
    text(out, json, "node", node);
    text(out, json, "host", host(remote));
    text(out, json, "method", method);
    text(out, json, "uri", uri);
    text(out, json, "protocol", protocol);
    field(out, json, "status", status);
    field(out, json, "size", bytes);
    field(out, json, "reqtime_microsec", nanos / 1_000);
    text(out, json, "cache", verdict(xCache));
    text(out, json, "upstream", upstream(xCache));
    text(out, json, "xcache", xCache);
    text(out, json, "ua", userAgent);
    text(out, json, "reqid", requestId);
    if (json) {
      out.append('}');
    }
  }

  private static void quoteIf(StringBuilder out, boolean json) {
    if (json) {
      out.append('"');
    }
  }

  /** Label and separator; the first field of a line has none before it. */
  private static void label(StringBuilder out, boolean json, String label) {
    boolean first = out.isEmpty() || out.charAt(out.length() - 1) == '{';
    if (json) {
      out.append(first ? "\"" : ",\"").append(label).append("\":");
    } else {
      out.append(first ? "" : "\t").append(label).append(':');
    }
  }

  private static void field(StringBuilder out, boolean json, String label, long value) {
    label(out, json, label);
    out.append(value);
  }

  private static void text(StringBuilder out, boolean json, String label, @Nullable String value) {
    label(out, json, label);
    if (value == null) {
      out.append(json ? "null" : "-");
      return;
    }
    if (json) {
      out.append('"');
      escapeJson(out, value);
      out.append('"');
    } else {
      escapeLtsv(out, value.isEmpty() ? "-" : value);
    }
  }

  static boolean isControl(char c) {
    return c < 0x20 || c >= 0x7f && c <= 0x9f;
  }

  static void escapeLtsv(StringBuilder out, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\\') {
        out.append("\\\\");
      } else if (isControl(c)) {
        out.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xf]);
      } else {
        out.append(c);
      }
    }
  }

  static void escapeJson(StringBuilder out, String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (isControl(c)) {
        out.append("\\u00").append(HEX[c >> 4]).append(HEX[c & 0xf]);
      } else {
        out.append(c);
      }
    }
  }

  /**
   * ISO 8601 UTC timestamps with milliseconds; the text up to the second is computed once per
   * second.
   */
  static final class TimeText {
    private long second = Long.MIN_VALUE;
    private String prefix = "";

    void append(StringBuilder out, long epochMillis) {
      long s = Math.floorDiv(epochMillis, 1000);
      if (s != second) {
        second = s;
        prefix =
            LocalDateTime.ofEpochSecond(s, 0, ZoneOffset.UTC).toString(); // 2026-11-22T04:15:02
        if (prefix.length() == 16) {
          prefix += ":00"; // LocalDateTime leaves out zero seconds
        }
      }
      int ms = Math.floorMod(epochMillis, 1000);
      out.append(prefix)
          .append('.')
          .append((char) ('0' + ms / 100))
          .append((char) ('0' + ms / 10 % 10))
          .append((char) ('0' + ms % 10))
          .append('Z');
    }
  }
}
