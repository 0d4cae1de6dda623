package io.imgcdn.common.cluster;

import io.imgcdn.common.config.Settings;
import io.imgcdn.hashring.Placement;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The cluster settings edges and shards share. Every node of a cluster must use the same placement:
 * edges route with the shard ring, and shards use the previous shard ring to find a key's previous
 * owner.
 *
 * <table>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>cluster.file</td><td>(required)</td><td>the cluster file</td></tr>
 *   <tr><td>cluster.placement</td><td>maglev</td><td>ketama, nginx, maglev or rendezvous</td></tr>
 *   <tr><td>cluster.reload-interval</td><td>2s</td><td>how often the file's modification time is checked</td></tr>
 * </table>
 */
public record ClusterSettings(Path file, Placement placement, Duration reloadInterval) {
  /*
   * Maglev by default (docs/HASHRING.md): exact balance (ketama's peak/mean is 1.06-1.20 at N=3..100), one
   * table read per lookup at any N, and the ~0.1% of keys it moves between old nodes on a change are found
   * again by the shards' hand-off to the previous owner.
   */
  public static final String DEFAULT_PLACEMENT = "maglev";

  public static ClusterSettings from(Settings s) {
    String raw = s.string("cluster.placement", DEFAULT_PLACEMENT);
    Placement placement = Placement.parse(DEFAULT_PLACEMENT);
    try {
      placement = Placement.parse(raw);
    } catch (IllegalArgumentException e) {
      s.problem("cluster.placement", String.valueOf(e.getMessage()));
    }
    return new ClusterSettings(
        Path.of(s.required("cluster.file")),
        placement,
        s.duration("cluster.reload-interval", "2s"));
  }
}
