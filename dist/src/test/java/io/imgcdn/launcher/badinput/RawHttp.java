package io.imgcdn.launcher.badinput;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A deliberately dumb HTTP/1.1 client over a plain socket: it sends exactly the bytes it is given
 * (no normalisation, so malformed requests stay malformed) and reads back whatever responses
 * arrive, then whether the server closed the connection.
 */
public final class RawHttp {
  /*
   * Responses are framed the way a browser would frame them (Content-Length, chunked, or until close), so a
   * smuggled second request shows up as a second response. After the responses a test cares about, it can
   * ask whether the server closes the connection: EOF or a reset within the wait means closed; a read
   * timeout means the connection stayed open.
   */

  /** One response: status, headers (names lower-cased, first value wins) and body. */
  public record Response(int status, Map<String, String> headers, byte[] body) {
    public String header(String name) {
      return headers.get(name.toLowerCase(Locale.ROOT));
    }
  }

  /**
   * What came back for one exchange. {@code closed} is null when the caller did not wait for the
   * close.
   */
  record Exchange(List<Response> responses, Boolean closed, String error) {
    String describe() {
      StringBuilder s = new StringBuilder();
      for (Response r : responses) {
        s.append(s.isEmpty() ? "" : ",").append(r.status());
      }
      if (responses.isEmpty()) {
        s.append(Boolean.TRUE.equals(closed) ? "closed" : "no response");
      } else if (closed != null) {
        s.append(closed ? " close" : " open");
      }
      if (error != null) {
        s.append(" (").append(error).append(')');
      }
      return s.toString();
    }
  }

  private RawHttp() {}

  /**
   * Sends {@code request}, reads up to {@code wanted} responses (each within {@code
   * timeoutMillis}), then, when {@code waitForClose}, waits up to {@code closeWaitMillis} for the
   * server to close.
   *
   * @param headRequests which of the responses answer a HEAD (they have no body)
   */
  static Exchange exchange(
      int port,
      byte[] request,
      int wanted,
      boolean[] headRequests,
      boolean waitForClose,
      int timeoutMillis,
      int closeWaitMillis)
      throws IOException {
    List<Response> responses = new ArrayList<>();
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
      socket.setSoTimeout(timeoutMillis);
      socket.setTcpNoDelay(true);
      try {
        socket.getOutputStream().write(request);
        socket.getOutputStream().flush();
      } catch (SocketException e) {
        // The server may close before taking all of a large request; read what it answered.
      }
      InputStream in = socket.getInputStream();
      for (int i = 0; i < wanted; i++) {
        Response r;
        try {
          r = read(in, i < headRequests.length && headRequests[i]);
        } catch (EOFException | SocketException e) {
          return new Exchange(responses, true, null);
        } catch (SocketTimeoutException e) {
          return new Exchange(responses, false, "no response within " + timeoutMillis + " ms");
        }
        responses.add(r);
        if ("close".equalsIgnoreCase(r.header("connection")) && !waitForClose) {
          break;
        }
      }
      if (!waitForClose) {
        return new Exchange(responses, null, null);
      }
      socket.setSoTimeout(closeWaitMillis);
      try {
        int b = in.read();
        if (b < 0) {
          return new Exchange(responses, true, null);
        }
        // More bytes: an extra response the test did not expect (e.g. a smuggled request answered).
        Response extra = read(prepend(b, in), false);
        responses.add(extra);
        return new Exchange(responses, false, "unexpected extra response");
      } catch (SocketTimeoutException e) {
        return new Exchange(responses, false, null);
      } catch (EOFException | SocketException e) {
        return new Exchange(responses, true, null);
      }
    }
  }

  private static InputStream prepend(int first, InputStream rest) {
    return new java.io.SequenceInputStream(
        new java.io.ByteArrayInputStream(new byte[] {(byte) first}), rest);
  }

  /**
   * Reads one response from {@code in} (interim ones skipped); a HEAD's has no body whatever its
   * headers say.
   */
  public static Response read(InputStream in, boolean head) throws IOException {
    while (true) {
      String statusLine = line(in);
      String[] parts = statusLine.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
        throw new IOException("not a status line: " + statusLine);
      }
      int status = Integer.parseInt(parts[1]);
      Map<String, String> headers = new LinkedHashMap<>();
      for (String h = line(in); !h.isEmpty(); h = line(in)) {
        int colon = h.indexOf(':');
        headers.putIfAbsent(
            h.substring(0, colon).trim().toLowerCase(Locale.ROOT), h.substring(colon + 1).trim());
      }
      if (status >= 100 && status < 200) {
        continue; // interim response
      }
      byte[] body;
      String length = headers.get("content-length");
      if (head || status == 204 || status == 304) {
        body = new byte[0];
      } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
        body = chunked(in);
      } else if (length != null) {
        body = in.readNBytes(Integer.parseInt(length));
      } else {
        body = in.readAllBytes();
      }
      return new Response(status, headers, body);
    }
  }

  private static byte[] chunked(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (true) {
      int size = Integer.parseInt(line(in).split(";")[0].trim(), 16);
      if (size == 0) {
        while (!line(in).isEmpty()) {
          // trailers
        }
        return out.toByteArray();
      }
      out.write(in.readNBytes(size));
      line(in);
    }
  }

  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new EOFException("connection closed");
      }
      if (b == '\n') {
        String s = bytes.toString(StandardCharsets.ISO_8859_1);
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
      }
      bytes.write(b);
    }
  }
}
