package io.imgcdn.edge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import org.jspecify.annotations.Nullable;

/**
 * HTTP/2 over TLS on a blocking socket, frame by frame (RFC 9113 section 4), to send what no
 * well-behaved client sends: resets in a burst, endless CONTINUATION frames, more streams than
 * allowed, windows never opened. Header blocks are HPACK-encoded and decoded with Netty's coder.
 */
final class RawH2 implements AutoCloseable {
  static final int DATA = 0;
  static final int HEADERS = 1;
  static final int RST_STREAM = 3;
  static final int SETTINGS = 4;
  static final int PING = 6;
  static final int GOAWAY = 7;
  static final int WINDOW_UPDATE = 8;
  static final int CONTINUATION = 9;
  static final int END_STREAM = 0x1;
  static final int END_HEADERS = 0x4;
  static final int ACK = 0x1;
  static final int CANCEL = 0x8;
  static final int REFUSED_STREAM = 0x7;
  static final int ENHANCE_YOUR_CALM = 0xb;

  /** A frame read; {@code headers} decoded for HEADERS (with CONTINUATIONs joined). */
  record Frame(int type, int flags, int stream, byte[] payload, @Nullable Http2Headers headers) {
    boolean endStream() {
      return (flags & END_STREAM) != 0;
    }

    /** A GOAWAY's or RST_STREAM's error code. */
    int errorCode() {
      ByteBuffer b = ByteBuffer.wrap(payload);
      return type == GOAWAY ? b.getInt(4) : b.getInt(0);
    }

    @Override
    public String toString() {
      return "frame type "
          + type
          + " flags "
          + flags
          + " stream "
          + stream
          + (headers != null ? " " + headers : "")
          + (type == GOAWAY || type == RST_STREAM ? " error " + errorCode() : "")
          + (type == GOAWAY
              ? " last stream "
                  + ByteBuffer.wrap(payload).getInt(0)
                  + " '"
                  + new String(payload, 8, payload.length - 8, StandardCharsets.UTF_8)
                  + "'"
              : "");
    }
  }

  final SSLSocket socket;
  private final DataInputStream in;
  private final OutputStream out;
  private final Http2HeadersEncoder encoder =
      new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, false);
  private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);

  /**
   * Connects with ALPN h2, sends the preface and SETTINGS with this initial window size (-1: the
   * default), and acknowledges nothing until asked.
   */
  RawH2(SSLContext tls, int port, int initialWindowSize) throws IOException {
    this(tls, port, initialWindowSize, 0);
  }

  /**
   * As above, with this socket receive buffer (0: the system's): a small one makes a client that
   * does not read back up the server's writes sooner.
   */
  RawH2(SSLContext tls, int port, int initialWindowSize, int receiveBuffer) throws IOException {
    socket = (SSLSocket) tls.getSocketFactory().createSocket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setApplicationProtocols(new String[] {"h2"});
    socket.setSSLParameters(parameters);
    socket.startHandshake();
    if (!"h2".equals(socket.getApplicationProtocol())) {
      throw new IOException("ALPN chose '" + socket.getApplicationProtocol() + "', not h2");
    }
    socket.setSoTimeout(10_000);
    in = new DataInputStream(socket.getInputStream());
    out = socket.getOutputStream();
    out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    ByteBuffer settings = ByteBuffer.allocate(initialWindowSize < 0 ? 0 : 6);
    if (initialWindowSize >= 0) {
      settings.putShort((short) 0x4).putInt(initialWindowSize);
    }
    frame(SETTINGS, 0, 0, settings.array());
    out.flush();
  }

  /** A GET of {@code path}; ends the stream unless {@code endStream} is false. */
  static Http2Headers get(Http2Headers headers, String path) {
    return headers.method("GET").scheme("https").authority("127.0.0.1").path(path);
  }

  /** Writes one frame, unflushed. */
  void frame(int type, int flags, int stream, byte[] payload) throws IOException {
    byte[] head = new byte[9];
    head[0] = (byte) (payload.length >>> 16);
    head[1] = (byte) (payload.length >>> 8);
    head[2] = (byte) payload.length;
    head[3] = (byte) type;
    head[4] = (byte) flags;
    ByteBuffer.wrap(head, 5, 4).putInt(stream);
    out.write(head);
    out.write(payload);
  }

  /**
   * Writes {@code count} copies of one frame as one write (one TLS record per 16 KB), unflushed.
   */
  void frames(int type, int flags, int stream, byte[] payload, int count) throws IOException {
    ByteBuffer all = ByteBuffer.allocate((9 + payload.length) * count);
    for (int i = 0; i < count; i++) {
      all.put((byte) (payload.length >>> 16))
          .put((byte) (payload.length >>> 8))
          .put((byte) payload.length)
          .put((byte) type)
          .put((byte) flags)
          .putInt(stream)
          .put(payload);
    }
    out.write(all.array());
  }

  /** HPACK-encodes {@code headers} with this connection's encoder. */
  byte[] block(Http2Headers headers) throws IOException {
    ByteBuf buf = Unpooled.buffer();
    try {
      encoder.encodeHeaders(0, headers, buf);
      return ByteBufUtil.getBytes(buf);
    } catch (Http2Exception e) {
      throw new IOException(e);
    } finally {
      buf.release();
    }
  }

  /** HEADERS, split into CONTINUATION frames of 16 KB, flushed. */
  void headers(int stream, Http2Headers headers, boolean endStream) throws IOException {
    headerBlock(stream, block(headers), endStream);
  }

  void headerBlock(int stream, byte[] block, boolean endStream) throws IOException {
    int max = 16_384;
    int at = 0;
    boolean first = true;
    do {
      int n = Math.min(max, block.length - at);
      byte[] piece = java.util.Arrays.copyOfRange(block, at, at + n);
      at += n;
      int flags = (at == block.length ? END_HEADERS : 0) | (first && endStream ? END_STREAM : 0);
      frame(first ? HEADERS : CONTINUATION, flags, stream, piece);
      first = false;
    } while (at < block.length);
    out.flush();
  }

  void rst(int stream, int code) throws IOException {
    frame(RST_STREAM, 0, stream, ByteBuffer.allocate(4).putInt(code).array());
  }

  void flush() throws IOException {
    out.flush();
  }

  /**
   * The next frame; SETTINGS are acknowledged and skipped, HEADERS decoded. Null when the server
   * closed the connection.
   */
  @Nullable Frame read() throws IOException {
    while (true) {
      Frame f = readRaw();
      if (f == null) {
        return null;
      }
      if (f.type() == SETTINGS) {
        if ((f.flags() & ACK) == 0) {
          try {
            frame(SETTINGS, ACK, 0, new byte[0]);
            out.flush();
          } catch (IOException e) {
            // closed by the server: what follows is read, or the end
          }
        }
        continue;
      }
      return f;
    }
  }

  private @Nullable Frame readRaw() throws IOException {
    byte[] head = new byte[9];
    try {
      in.readFully(head);
    } catch (EOFException | javax.net.ssl.SSLException | java.net.SocketException e) {
      return null;
    }
    int length = ((head[0] & 0xff) << 16) | ((head[1] & 0xff) << 8) | (head[2] & 0xff);
    int type = head[3] & 0xff;
    int flags = head[4] & 0xff;
    int stream = ByteBuffer.wrap(head, 5, 4).getInt() & 0x7fffffff;
    byte[] payload = new byte[length];
    in.readFully(payload);
    if (type != HEADERS) {
      return new Frame(type, flags, stream, payload, null);
    }
    ByteBuf block = Unpooled.wrappedBuffer(payload);
    int endFlags = flags;
    while ((endFlags & END_HEADERS) == 0) {
      Frame next = readRaw();
      if (next == null) {
        block.release();
        return null;
      }
      block = Unpooled.wrappedBuffer(block, Unpooled.wrappedBuffer(next.payload()));
      endFlags = next.flags();
    }
    try {
      return new Frame(type, flags, stream, payload, decoder.decodeHeaders(stream, block));
    } catch (Http2Exception e) {
      throw new IOException("cannot decode the server's headers", e);
    } finally {
      block.release();
    }
  }

  /** Frames until one for which {@code until} holds (returned) or the connection ends (null). */
  @Nullable Frame readUntil(java.util.function.Predicate<Frame> until) throws IOException {
    Frame f;
    while ((f = read()) != null) {
      if (until.test(f)) {
        return f;
      }
    }
    return null;
  }

  /**
   * Reads until the server closes the connection; returns the first GOAWAY seen on the way, if any.
   */
  @Nullable Frame readToEnd() throws IOException {
    Frame goAway = null;
    Frame f;
    try {
      while ((f = read()) != null) {
        if (f.type() == GOAWAY && goAway == null) {
          goAway = f;
        }
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("the server did not close the connection; GOAWAY: " + goAway, e);
    }
    return goAway;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
