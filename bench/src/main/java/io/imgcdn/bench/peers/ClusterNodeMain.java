package io.imgcdn.bench.peers;

import io.imgcdn.launcher.LocalCluster;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The child JVM of {@link ImgcdnCluster}: starts a {@link LocalCluster}, puts the run's objects
 * into its S3 bucket, prints one {@value #READY} line with the ports, and stops the cluster when
 * its stdin ends (the parent closed it, or died).
 *
 * <p>Arguments, {@code key=value}: {@code dir}, {@code shards}, {@code edge-cache-bytes}, {@code
 * shard-store-bytes}, {@code objects} (see {@link ObjectSets}), and any number of {@code
 * set.<key>=<value>} node settings (LocalCluster's extra settings, e.g. {@code
 * set.shard.store.threads=4}).
 */
public final class ClusterNodeMain {

  /** The first word of the line that says the cluster serves. */
  public static final String READY = "imgcdn-cluster-ready";

  private ClusterNodeMain() {}

  public static void main(String[] args) throws Exception {
    System.setProperty("java.awt.headless", "true");
    Map<String, String> a = new HashMap<>();
    Map<String, String> settings = new HashMap<>();
    for (String arg : args) {
      int eq = arg.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("argument: '" + arg + "' (expected: key=value)");
      }
      String k = arg.substring(0, eq);
      if (k.startsWith("set.")) {
        settings.put(k.substring(4), arg.substring(eq + 1));
      } else {
        a.put(k, arg.substring(eq + 1));
      }
    }
    LocalCluster.Layout layout =
        new LocalCluster.Layout(
            Path.of(required(a, "dir")),
            0,
            0,
            0,
            Integer.parseInt(required(a, "shards")),
            0,
            0,
            Long.parseLong(required(a, "edge-cache-bytes")),
            Long.parseLong(required(a, "shard-store-bytes")),
            "imgcdn-bench-signing-key-0123456789",
            settings);
    LocalCluster cluster = LocalCluster.start(layout);
    Thread hook = new Thread(cluster::close, "cluster-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    long t0 = System.nanoTime();
    long bytes =
        ObjectSets.put(
            required(a, "objects"),
            (key, body, type) -> cluster.s3().put(key, body, type),
            Runtime.getRuntime().availableProcessors());
    String shards =
        cluster.shards().stream()
            .map(s -> String.valueOf(s.port()))
            .collect(Collectors.joining(","));
    System.out.printf(
        "%s s3=%d origin=%d edge=%d shards=%s seeded-bytes=%d seed-seconds=%.1f%n",
        READY,
        cluster.s3().endpoint().getPort(),
        cluster.origin().port(),
        cluster.edge().port(),
        shards,
        bytes,
        (System.nanoTime() - t0) / 1e9);
    System.out.flush();
    try (InputStream in = System.in) {
      while (in.read() >= 0) {
        // the parent never writes; EOF means stop
      }
    } catch (IOException e) {
      // the pipe broke: the parent is gone, stop as well
    }
    cluster.close();
    Runtime.getRuntime().removeShutdownHook(hook);
    System.exit(0);
  }

  private static String required(Map<String, String> a, String key) {
    String v = a.get(key);
    if (v == null) {
      throw new IllegalArgumentException(
          "argument " + key + "=...: missing (given: " + a.keySet() + ")");
    }
    return v;
  }
}
