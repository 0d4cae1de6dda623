package io.imgcdn.common.http;

import io.imgcdn.common.config.Settings;
import java.time.Duration;

/**
 * Limits of a serving port: how long a connection may sit idle, how long a client may take to send
 * a request's head, how many connections are open at once, and how many requests one connection may
 * have in flight.
 *
 * <table>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>server.idle-timeout</td><td>60s</td><td>a connection with no read or write for this long is closed</td></tr>
 *   <tr><td>server.request-timeout</td><td>10s, or the idle timeout if shorter</td><td>from a request's first byte to its complete head; slower clients (slowloris) are cut off</td></tr>
 *   <tr><td>server.max-connections</td><td>10000</td><td>open connections; beyond it new ones get 503 and are closed</td></tr>
 *   <tr><td>server.max-pipelined</td><td>16</td><td>requests in flight per connection before the server stops reading it</td></tr>
 * </table>
 */
public record ServerOptions(
    Duration idleTimeout, Duration requestHeadTimeout, int maxConnections, int maxPipelined) {

  public ServerOptions {
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("idleTimeout: " + idleTimeout + " (expected: > 0)");
    }
    if (requestHeadTimeout.isNegative() || requestHeadTimeout.isZero()) {
      throw new IllegalArgumentException(
          "requestHeadTimeout: " + requestHeadTimeout + " (expected: > 0)");
    }
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections: " + maxConnections + " (expected: >= 1)");
    }
    if (maxPipelined < 1) {
      throw new IllegalArgumentException("maxPipelined: " + maxPipelined + " (expected: >= 1)");
    }
  }

  /** The defaults with this idle timeout. */
  public static ServerOptions withIdleTimeout(Duration idleTimeout) {
    Duration head =
        idleTimeout.compareTo(Duration.ofSeconds(10)) < 0 ? idleTimeout : Duration.ofSeconds(10);
    return new ServerOptions(idleTimeout, head, 10_000, 16);
  }

  /** Reads the {@code server.*} keys of the table above. */
  public static ServerOptions from(Settings s) {
    Duration idle = s.duration("server.idle-timeout", "60s");
    // A request head never gets longer than an idle connection would: 10s, or the idle timeout if
    // shorter.
    String headDefault =
        idle.compareTo(Duration.ofSeconds(10)) < 0 ? idle.toMillis() + "ms" : "10s";
    return new ServerOptions(
        idle,
        s.duration("server.request-timeout", headDefault),
        s.integer("server.max-connections", 10_000, 1, 1_000_000),
        s.integer("server.max-pipelined", 16, 1, 1024));
  }
}
