package io.imgcdn.common.cluster;

import io.imgcdn.common.config.Settings;
import io.imgcdn.hashring.Placement;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The cluster settings edges and shards share. Every node of a cluster must use the same placement: edges
 * route with the shard ring, and shards use the previous shard ring to find a key's previous owner.
 *
 * <table>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>cluster.file</td><td>(required)</td><td>the cluster file</td></tr>
 *   <tr><td>cluster.placement</td><td>ketama</td><td>ketama, nginx, maglev or rendezvous</td></tr>
 *   <tr><td>cluster.reload-interval</td><td>2s</td><td>how often the file's modification time is checked</td></tr>
 * </table>
 */
public record ClusterSettings(Path file, Placement placement, Duration reloadInterval) {
  public static final String DEFAULT_PLACEMENT = "ketama";

  public static ClusterSettings from(Settings s) {
    String raw = s.string("cluster.placement", DEFAULT_PLACEMENT);
    Placement placement = Placement.KETAMA;
    try {
      placement = Placement.parse(raw);
    } catch (IllegalArgumentException e) {
      s.problem("cluster.placement", e.getMessage());
    }
    return new ClusterSettings(Path.of(s.required("cluster.file")), placement,
        s.duration("cluster.reload-interval", "2s"));
  }
}
