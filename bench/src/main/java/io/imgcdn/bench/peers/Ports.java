package io.imgcdn.bench.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/**
 * Free TCP ports on 127.0.0.1 for peers that cannot be told "port 0" and report back (nginx,
 * traffic_server).
 */
final class Ports {

  private Ports() {}

  /**
   * A port that was free a moment ago. Another process may take it before the peer binds it; the
   * peer then fails to start and says so in its log, which the run reports.
   */
  static int free() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    }
  }
}
