package io.imgcdn.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class MainTest {

  private static String[] run(String... args) {
    CommandLine cmd = Main.commandLine();
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err));
    int code = cmd.execute(args);
    return new String[] {String.valueOf(code), err.toString()};
  }

  @Test
  void edge_unknownKeyAndBadValue_exit2ListingBoth(@TempDir Path dir) throws Exception {
    Path cluster = Files.writeString(dir.resolve("cluster.conf"), "shard shard-1 127.0.0.1:1\n");
    Path config = Files.writeString(dir.resolve("edge.properties"),
        "cluster.file=" + cluster + "\nedge.cache.max-byts=1g\nserver.port=0\n");
    String[] result = run("edge", "--config", config.toString(), "--set", "edge.cache.max-bytes=2x");
    assertThat(result[0]).isEqualTo("2");
    assertThat(result[1])
        .contains("edge.cache.max-bytes: '2x' (expected: a size such as 512k, 64m or 2g)")
        .contains("edge.cache.max-byts: unknown key");
  }

  @Test
  void origin_missingBucket_exit2NamingTheKey() {
    String[] result = run("origin", "--set", "server.port=0");
    assertThat(result[0]).isEqualTo("2");
    assertThat(result[1]).contains("origin.s3.bucket: required");
  }

  @Test
  void shard_badClusterFile_exit2WithLineNumber(@TempDir Path dir) throws Exception {
    Path cluster = Files.writeString(dir.resolve("cluster.conf"), "shard shard-1 nowhere\n");
    String[] result = run("shard", "--set", "cluster.file=" + cluster, "--set", "shard.store.dir=" + dir.resolve("s"),
        "--set", "server.port=0", "--set", "admin.port=0");
    assertThat(result[0]).isEqualTo("2");
    assertThat(result[1]).contains("cluster.conf:1: address 'nowhere' (expected: host:port with port 1-65535)");
  }
}
