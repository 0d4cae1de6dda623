package io.imgcdn.edge.http;

import io.imgcdn.common.http.HttpDates;
import io.imgcdn.common.http.ResponseChannel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.util.concurrent.FastThreadLocal;
import java.nio.charset.StandardCharsets;

/**
 * The first lines of a 200 from memory: status line, Date, X-Cache and Connection, the part of the
 * head that changes per response, followed by the response policy's lines for the key (encoded once
 * per rule, copied with the prefix in one go); the rest of the head is stored with the object
 * ({@code CachedObject}).
 */
final class ResponsePrefixes {
  /*
   * A hit's prefix only changes once a second (Date) and with the connection's mode, so each event-loop
   * thread keeps the three variants of the current second as bytes and copies the one it needs (about
   * 90 bytes) into a buffer from the channel's pooled allocator. A copy of 90 bytes is cheaper than a
   * garbage view object per response, and the pooled buffer returns to its pool once written.
   * Prefixes with a miss's longer X-Cache chain are encoded per response.
   */
  private static final int KEEP_ALIVE = 0;
  private static final int CLOSE = 1;
  private static final int KEEP_ALIVE_10 = 2;
  private static final String[] CONNECTION = {
    "", "Connection: close\r\n", "Connection: keep-alive\r\n"
  };

  private final String hitChain;
  private final FastThreadLocal<Second> current = new FastThreadLocal<>();

  private static final class Second {
    final long epochSecond;
    final byte[][] variants = new byte[3][];

    Second(long epochSecond) {
      this.epochSecond = epochSecond;
    }
  }

  ResponsePrefixes(String nodeId) {
    this.hitChain = nodeId + ";hit";
  }

  /**
   * The prefix of a hit ("X-Cache: edge-1;hit") for this response's connection mode; the caller
   * owns it.
   */
  ByteBuf hit(ResponseChannel out, byte[] policyLines) {
    long now = HttpDates.currentSecond();
    Second s = current.get();
    if (s == null || s.epochSecond != now) {
      s = new Second(now);
      current.set(s);
    }
    int mode = mode(out);
    byte[] bytes = s.variants[mode];
    if (bytes == null) {
      bytes = text(HttpDates.now(), hitChain, mode).getBytes(StandardCharsets.ISO_8859_1);
      s.variants[mode] = bytes;
    }
    return out.alloc()
        .directBuffer(bytes.length + policyLines.length)
        .writeBytes(bytes)
        .writeBytes(policyLines);
  }

  /**
   * The prefix for any X-Cache chain, in a buffer from the channel's allocator; the caller owns it.
   */
  ByteBuf forChain(ResponseChannel out, String chain, byte[] policyLines) {
    String text = text(HttpDates.now(), chain, mode(out));
    ByteBuf b = out.alloc().directBuffer(text.length() + policyLines.length);
    ByteBufUtil.writeAscii(b, text);
    return b.writeBytes(policyLines);
  }

  private static int mode(ResponseChannel out) {
    if (!out.keepAlive()) {
      return CLOSE;
    }
    return out.protocolVersion().isKeepAliveDefault() ? KEEP_ALIVE : KEEP_ALIVE_10;
  }

  private static String text(String date, String chain, int mode) {
    return "HTTP/1.1 200 OK\r\nDate: " + date + "\r\nX-Cache: " + chain + "\r\n" + CONNECTION[mode];
  }
}
