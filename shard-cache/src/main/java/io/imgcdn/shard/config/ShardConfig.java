package io.imgcdn.shard.config;

import io.imgcdn.common.config.NodeSettings;
import io.imgcdn.common.config.Settings;
import io.imgcdn.common.upstream.UpstreamSettings;
import io.imgcdn.hashring.Placement;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Configuration of a shard-cache node.
 *
 * <table>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>shard.store.dir</td><td>data/NODE-ID</td><td>RocksDB directory (survives restarts)</td></tr>
 *   <tr><td>shard.store.max-bytes</td><td>1g</td><td>hard bound of everything under the directory</td></tr>
 *   <tr><td>shard.store.threads</td><td>4</td><td>disk threads (RocksDB calls never run on event loops)</td></tr>
 *   <tr><td>shard.store.queue</td><td>1024</td><td>disk calls waiting; beyond it 503</td></tr>
 *   <tr><td>cluster.file</td><td>(required)</td><td>the cluster file: origins are picked from it</td></tr>
 *   <tr><td>cluster.placement</td><td>ketama</td><td>ring algorithm; every node must use the same</td></tr>
 *   <tr><td>cluster.reload-interval</td><td>2s</td><td>how often the cluster file's mtime is checked</td></tr>
 *   <tr><td>shard.handoff-window</td><td>1h</td><td>after a membership change, a miss first asks the key's
 *   previous owner (its store only) before the origin, for this long</td></tr>
 *   <tr><td>shard.upstream.*</td><td>see UpstreamSettings</td><td>client toward the origins</td></tr>
 *   <tr><td>server.idle-timeout</td><td>60s</td><td>idle client connections are closed</td></tr>
 * </table>
 */
public record ShardConfig(NodeSettings node, Path storeDir, long storeMaxBytes, int storeThreads, int storeQueue,
    Path clusterFile, Placement placement, Duration reloadInterval, Duration handoffWindow,
    UpstreamSettings upstream, Duration idleTimeout) {

  public static ShardConfig from(Settings s) {
    NodeSettings node = NodeSettings.from(s, "shard-1", 8081, 9081);
    return new ShardConfig(
        node,
        s.path("shard.store.dir", "data/" + node.id()),
        s.bytes("shard.store.max-bytes", "1g", 16L << 20),
        s.integer("shard.store.threads", 4, 1, 256),
        s.integer("shard.store.queue", 1024, 1, 1_000_000),
        Path.of(s.required("cluster.file")),
        placement(s),
        s.duration("cluster.reload-interval", "2s"),
        s.duration("shard.handoff-window", "1h"),
        UpstreamSettings.from(s, "shard.upstream."),
        s.duration("server.idle-timeout", "60s"));
  }

  /** The ring algorithm; shared by every node that reads a cluster file. */
  public static Placement placement(Settings s) {
    String raw = s.string("cluster.placement", "ketama");
    try {
      return Placement.parse(raw);
    } catch (IllegalArgumentException e) {
      s.problem("cluster.placement", e.getMessage());
      return Placement.KETAMA;
    }
  }
}
