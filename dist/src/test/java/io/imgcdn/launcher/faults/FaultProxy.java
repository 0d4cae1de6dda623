package io.imgcdn.launcher.faults;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A fault-injecting HTTP/1.1 proxy on 127.0.0.1 in front of one upstream (the S3 endpoint, or a
 * shard): passes requests through, delays each one, answers them with a 5xx, resets the connection,
 * or never answers, switchable at run time.
 */
final class FaultProxy implements AutoCloseable {
  /*
   * How: one accept thread; per client connection a virtual thread reads request heads (S3 GETs and HEADs
   * carry no body, so a head is a whole request) and decides per request what to do with it in the
   * current mode. In PASS and DELAY the request goes to the upstream on a connection of its own (one
   * upstream connection per client connection, opened lazily) and the response bytes are copied back by
   * a second virtual thread. A mode switch closes every client connection, so the SDK's pooled keep-alive
   * connections cannot keep passing requests under the old mode.
   * ERROR answers "HTTP/1.1 <status>" with an S3 XML error and closes; RESET sets SO_LINGER 0 and closes,
   * which makes the kernel send a TCP RST (what a crashing load balancer looks like to the client); HANG
   * reads the request and never answers (a partitioned node whose connection is still open, as when
   * packets are dropped), until the client gives up or the mode changes.
   */

  /** What the proxy does with each request. */
  sealed interface Mode {
    /** Forward unchanged. */
    record Pass() implements Mode {}

    /** Forward after waiting {@code delay}. */
    record Delay(Duration delay) implements Mode {}

    /** Answer with {@code status} (500, 503, ...) and an S3 error body, then close. */
    record ErrorStatus(int status) implements Mode {}

    /** Reset the connection (RST) without answering. */
    record Reset() implements Mode {}

    /** Never answer; hold the connection until the client closes it or the mode changes. */
    record Hang() implements Mode {}
  }

  private final ServerSocket server;
  private final Thread acceptor;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong forwarded = new AtomicLong();
  private volatile InetSocketAddress upstream;
  private volatile Mode mode = new Mode.Pass();
  private volatile boolean closed;

  private FaultProxy(ServerSocket server) {
    this.server = server;
    this.acceptor =
        Thread.ofPlatform().name("fault-proxy-accept").daemon(true).unstarted(this::acceptLoop);
  }

  /** Listens on an ephemeral port; requests fail (reset) until {@link #upstream(URI)} is set. */
  static FaultProxy start() throws IOException {
    ServerSocket server = new ServerSocket(0, 256, InetAddress.getLoopbackAddress());
    FaultProxy proxy = new FaultProxy(server);
    proxy.acceptor.start();
    return proxy;
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + server.getLocalPort());
  }

  void upstream(URI endpoint) {
    this.upstream = new InetSocketAddress(endpoint.getHost(), endpoint.getPort());
  }

  /** Switches the mode and drops every open connection, so the next request sees the new mode. */
  void mode(Mode next) {
    this.mode = next;
    for (Socket s : open) {
      closeQuietly(s);
    }
  }

  Mode mode() {
    return mode;
  }

  /** Requests the proxy has seen (every mode). */
  long requests() {
    return requests.get();
  }

  /** Requests the proxy has passed on to the upstream. */
  long forwarded() {
    return forwarded.get();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket client = server.accept();
        client.setTcpNoDelay(true);
        open.add(client);
        Thread.ofVirtual().name("fault-proxy-conn").start(() -> serve(client));
      } catch (IOException e) {
        if (!closed) {
          continue;
        }
        return;
      }
    }
  }

  private void serve(Socket client) {
    Socket up = null;
    try (client) {
      InputStream in = client.getInputStream();
      while (!closed) {
        byte[] head = readHead(in);
        if (head == null) {
          return;
        }
        requests.incrementAndGet();
        Mode m = mode;
        switch (m) {
          case Mode.ErrorStatus e -> {
            answerError(client.getOutputStream(), e.status());
            return;
          }
          case Mode.Reset r -> {
            client.setSoLinger(true, 0);
            return;
          }
          case Mode.Hang h -> {
            // Read (and drop) until the client closes; a mode switch closes the socket too.
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return;
          }
          case Mode.Delay d -> sleep(d.delay());
          case Mode.Pass p -> {}
        }
        if (mode != m) {
          return; // switched while we waited: drop, like a connection that died
        }
        if (up == null) {
          InetSocketAddress target = upstream;
          if (target == null) {
            client.setSoLinger(true, 0);
            return;
          }
          up = new Socket();
          up.setTcpNoDelay(true);
          up.connect(target, 2_000);
          open.add(up);
          Socket upstreamSocket = up;
          Thread.ofVirtual().name("fault-proxy-back").start(() -> copyBack(upstreamSocket, client));
        }
        up.getOutputStream().write(head);
        up.getOutputStream().flush();
        forwarded.incrementAndGet();
      }
    } catch (IOException e) {
      // the client, the upstream or a mode switch closed the connection
    } finally {
      if (up != null) {
        open.remove(up);
        closeQuietly(up);
      }
      open.remove(client);
    }
  }

  private static void copyBack(Socket up, Socket client) {
    try {
      up.getInputStream().transferTo(client.getOutputStream());
    } catch (IOException e) {
      // either side closed
    } finally {
      closeQuietly(client);
      closeQuietly(up);
    }
  }

  /**
   * The bytes up to and including the blank line that ends a request head; null at end of stream.
   */
  private static byte[] readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream(512);
    int matched = 0;
    while (true) {
      int b = in.read();
      if (b < 0) {
        return null;
      }
      head.write(b);
      matched =
          switch (matched) {
            case 0, 2 -> b == '\r' ? matched + 1 : 0;
            case 1, 3 -> b == '\n' ? matched + 1 : (b == '\r' ? 1 : 0);
            default -> 0;
          };
      if (matched == 4) {
        return head.toByteArray();
      }
      if (head.size() > 64 * 1024) {
        throw new IOException("request head over 64 KiB");
      }
    }
  }

  private static void answerError(OutputStream out, int status) throws IOException {
    String code = status == 503 ? "SlowDown" : "InternalError";
    byte[] body =
        ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>"
                + code
                + "</Code><Message>injected by FaultProxy</Message></Error>")
            .getBytes(StandardCharsets.UTF_8);
    String head =
        "HTTP/1.1 "
            + status
            + " "
            + code
            + "\r\nContent-Type: application/xml\r\nContent-Length: "
            + body.length
            + "\r\nConnection: close\r\n\r\n";
    out.write(head.getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
  }

  private static void sleep(Duration d) {
    try {
      Thread.sleep(d);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    for (Socket s : open) {
      closeQuietly(s);
    }
    open.clear();
  }
}
