package io.imgcdn.edge.config;

import io.imgcdn.common.config.NodeSettings;
import io.imgcdn.common.config.Settings;
import io.imgcdn.common.upstream.UpstreamSettings;
import io.imgcdn.hashring.Placement;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Configuration of an edge-cache node.
 *
 * <table>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>edge.cache.max-bytes</td><td>256m</td><td>memory for cached bodies (weighed by bytes)</td></tr>
 *   <tr><td>edge.cache.max-object-bytes</td><td>4m</td><td>larger objects are served but not kept in memory</td></tr>
 *   <tr><td>edge.index-key</td><td>""</td><td>object served for GET / (e.g. index.html); empty: 404</td></tr>
 *   <tr><td>edge.upstream.attempts</td><td>2</td><td>shard candidates tried per miss (owner, then the next on the ring)</td></tr>
 *   <tr><td>edge.upstream.*</td><td>see UpstreamSettings</td><td>client toward the shards</td></tr>
 *   <tr><td>cluster.file</td><td>(required)</td><td>the cluster file: shards are picked from it</td></tr>
 *   <tr><td>cluster.placement</td><td>ketama</td><td>ring algorithm; every node must use the same</td></tr>
 *   <tr><td>cluster.reload-interval</td><td>2s</td><td>how often the cluster file's mtime is checked</td></tr>
 *   <tr><td>server.idle-timeout</td><td>60s</td><td>idle client connections are closed</td></tr>
 *   <tr><td>server.io-threads</td><td>cores</td><td>event loops</td></tr>
 * </table>
 */
public record EdgeConfig(NodeSettings node, long cacheMaxBytes, long maxObjectBytes, String indexKey,
    int attempts, UpstreamSettings upstream, Path clusterFile, Placement placement, Duration reloadInterval,
    Duration idleTimeout, int ioThreads) {

  public static EdgeConfig from(Settings s) {
    NodeSettings node = NodeSettings.from(s, "edge-1", 8080, 9080);
    String raw = s.string("cluster.placement", "ketama");
    Placement placement = Placement.KETAMA;
    try {
      placement = Placement.parse(raw);
    } catch (IllegalArgumentException e) {
      s.problem("cluster.placement", e.getMessage());
    }
    return new EdgeConfig(
        node,
        s.bytes("edge.cache.max-bytes", "256m", 0),
        s.bytes("edge.cache.max-object-bytes", "4m", 0),
        s.string("edge.index-key", ""),
        s.integer("edge.upstream.attempts", 2, 1, 10),
        UpstreamSettings.from(s, "edge.upstream."),
        Path.of(s.required("cluster.file")),
        placement,
        s.duration("cluster.reload-interval", "2s"),
        s.duration("server.idle-timeout", "60s"),
        s.integer("server.io-threads", Runtime.getRuntime().availableProcessors(), 1, 1024));
  }
}
