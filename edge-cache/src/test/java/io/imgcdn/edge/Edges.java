package io.imgcdn.edge;

import io.imgcdn.common.config.Settings;
import io.imgcdn.edge.config.EdgeConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Starts edges for tests on ephemeral ports, in front of the given shards. */
final class Edges {
  private Edges() {}

  static Path clusterFile(Path dir, List<FakeShard> shards) {
    StringBuilder text = new StringBuilder();
    for (FakeShard s : shards) {
      text.append("shard ").append(s.id).append(' ').append(s.address()).append('\n');
    }
    Path file = dir.resolve("cluster-" + System.nanoTime() + ".conf");
    try {
      Files.writeString(file, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  static EdgeConfig config(Path clusterFile, Map<String, String> extra) {
    Map<String, String> all =
        new HashMap<>(
            Map.of(
                "node.id", "edge-1",
                "server.port", "0",
                "admin.port", "0",
                "admin.token", "t",
                "server.io-threads", "2",
                "edge.cache.max-bytes", "8m",
                "edge.cache.max-object-bytes", "256k",
                "cluster.file", clusterFile.toString()));
    all.putAll(extra);
    Settings s = Settings.of(all);
    EdgeConfig config = EdgeConfig.from(s);
    s.finish();
    return config;
  }

  static EdgeServer start(Path dir, List<FakeShard> shards, Map<String, String> extra) {
    return EdgeServer.start(config(clusterFile(dir, shards), extra));
  }

  /** Stops the edge and its shard, then checks that no cached buffer and no Netty buffer leaked. */
  static void stopClean(
      EdgeServer edge, FakeShard shard, io.imgcdn.common.testing.NettyLeakWatch leaks) {
    edge.close();
    shard.close();
    org.assertj.core.api.Assertions.assertThat(edge.cache().liveBuffers()).isZero();
    org.assertj.core.api.Assertions.assertThat(leaks.leaks()).isEmpty();
    leaks.close();
  }
}
