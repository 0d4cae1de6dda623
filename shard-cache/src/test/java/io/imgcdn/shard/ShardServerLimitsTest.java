package io.imgcdn.shard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.common.cluster.ClusterFile;
import io.imgcdn.common.cluster.Membership;
import io.imgcdn.common.config.ConfigException;
import io.imgcdn.common.config.Settings;
import io.imgcdn.hashring.Node;
import io.imgcdn.shard.config.ShardConfig;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shard's serving port has the same limits as the edge's: server.* keys, the connection cap.
 */
class ShardServerLimitsTest {
  @TempDir Path dir;

  ShardServer start(Map<String, String> extra) throws Exception {
    Path clusterFile = dir.resolve("cluster.conf");
    Files.writeString(
        clusterFile,
        ClusterFile.format(
            new Membership(List.of(), List.of(new Node("origin-1", "127.0.0.1:9", 1)))));
    Map<String, String> values =
        new java.util.HashMap<>(
            Map.of(
                "node.id", "shard-1",
                "server.port", "0",
                "admin.port", "0",
                "shard.store.dir", dir.resolve("store").toString(),
                "shard.store.max-bytes", "64m",
                "cluster.file", clusterFile.toString()));
    values.putAll(extra);
    Settings settings = Settings.of(values);
    ShardConfig config = ShardConfig.from(settings);
    settings.finish();
    return ShardServer.start(config);
  }

  /** Sends a request whose URL the shard refuses at once (400), and returns the status line. */
  static String askBadUrl(Socket s) throws Exception {
    s.getOutputStream()
        .write("GET /a/../b.jpg HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    return statusLine(s.getInputStream());
  }

  static String statusLine(InputStream in) throws Exception {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int b;
    while ((b = in.read()) >= 0 && b != '\n') {
      line.write(b);
    }
    return line.toString(StandardCharsets.US_ASCII).strip();
  }

  @Test
  void connectionCap_reached_extraConnectionGets503AndClose() throws Exception {
    try (ShardServer shard = start(Map.of("server.max-connections", "2"));
        Socket a = new Socket("127.0.0.1", shard.port());
        Socket b = new Socket("127.0.0.1", shard.port())) {
      a.setSoTimeout(30_000);
      b.setSoTimeout(30_000);
      assertThat(askBadUrl(a)).startsWith("HTTP/1.1 400");
      assertThat(askBadUrl(b)).startsWith("HTTP/1.1 400");
      try (Socket extra = new Socket("127.0.0.1", shard.port())) {
        extra.setSoTimeout(30_000);
        InputStream in = extra.getInputStream();
        assertThat(statusLine(in)).startsWith("HTTP/1.1 503");
        in.readAllBytes(); // the rest of the 503; returns only when the shard closes the connection
        assertThat(in.read()).as("closed by the shard").isEqualTo(-1);
      }
    }
  }

  @Test
  void serverKeys_badValue_reportedLikeEveryKey() {
    Settings settings =
        Settings.of(
            Map.of(
                "server.max-connections",
                "0",
                "server.request-timeout",
                "5s",
                "cluster.file",
                "c.conf"));
    ShardConfig.from(settings);
    assertThatThrownBy(settings::finish)
        .isInstanceOf(ConfigException.class)
        .satisfies(
            e ->
                assertThat(((ConfigException) e).problems())
                    .hasSize(1)
                    .first()
                    .asString()
                    .startsWith("server.max-connections"));
  }
}
