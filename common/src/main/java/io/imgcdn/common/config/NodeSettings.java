package io.imgcdn.common.config;

import io.imgcdn.common.accesslog.AccessLogSettings;

/**
 * The settings every node has: its id (as named in the cluster file and in X-Cache), the serving
 * address and the admin port.
 *
 * <table>
 *   <tr><th>key</th><th>meaning</th></tr>
 *   <tr><td>node.id</td><td>this node's id, e.g. edge-1 or shard-2</td></tr>
 *   <tr><td>server.host</td><td>address the serving and admin ports bind (default 127.0.0.1)</td></tr>
 *   <tr><td>server.port</td><td>serving port (0 = any free port)</td></tr>
 *   <tr><td>admin.port</td><td>admin port: /healthz, /readyz, /metrics, admin actions (0 = any free port)</td></tr>
 *   <tr><td>admin.token</td><td>bearer token for admin actions; empty disables them</td></tr>
 *   <tr><td>server.access-log*</td><td>the access log: see {@link AccessLogSettings}</td></tr>
 *   <tr><td>server.shutdown-announce</td><td>3s</td><td>on SIGTERM, how long the node keeps accepting and
 *       serving while it announces its end: every connection's next response closes it, health probes
 *       answer 503 draining (edges wait for a shard that restarts), the next process of the node takes
 *       over the port; then it stops accepting and drains</td></tr>
 * </table>
 */
public record NodeSettings(
    String id,
    String host,
    int port,
    int adminPort,
    String adminToken,
    AccessLogSettings accessLog,
    java.time.Duration shutdownAnnounce) {
  public static final String ID = "node.id";
  public static final String HOST = "server.host";
  public static final String HOST_DEFAULT = "127.0.0.1";
  public static final String PORT = "server.port";
  public static final String ADMIN_PORT = "admin.port";
  public static final String ADMIN_TOKEN = "admin.token";
  public static final String SHUTDOWN_ANNOUNCE = "server.shutdown-announce";

  public static NodeSettings from(
      Settings settings, String defaultId, int defaultPort, int defaultAdminPort) {
    String id = settings.string(ID, defaultId);
    if (!id.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,62}")) {
      settings.problem(ID, "'" + id + "' (expected: letters, digits, '.', '_' or '-', at most 63)");
    }
    return new NodeSettings(
        id,
        settings.string(HOST, HOST_DEFAULT),
        settings.port(PORT, defaultPort),
        settings.port(ADMIN_PORT, defaultAdminPort),
        settings.string(ADMIN_TOKEN, ""),
        AccessLogSettings.from(settings),
        settings.duration(SHUTDOWN_ANNOUNCE, "3s"));
  }
}
