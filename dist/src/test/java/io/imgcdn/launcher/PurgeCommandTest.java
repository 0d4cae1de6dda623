package io.imgcdn.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code imgcdn purge} against a real LocalCluster (1 edge, 3 shards, 1 origin) on 127.0.0.1. */
class PurgeCommandTest {
  @TempDir static Path dir;
  static LocalCluster cluster;
  static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  @BeforeAll
  static void start() throws Exception {
    cluster =
        LocalCluster.start(
            new LocalCluster.Layout(
                dir.resolve("cluster"),
                0,
                0,
                0,
                3,
                0,
                0,
                64L << 20,
                64L << 20,
                Demo.SIGNING_KEY,
                Map.of()));
    cluster.s3().put("photos/a.jpg", ClusterEndToEndTest.jpeg(300, 200), "image/jpeg");
    cluster.s3().put("photos/b.jpg", ClusterEndToEndTest.jpeg(200, 300), "image/jpeg");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static String xCache(String base, String path) throws Exception {
    HttpResponse<byte[]> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).as("GET %s", path).isEqualTo(200);
    return r.headers().firstValue("X-Cache").orElse("");
  }

  static String viaEdge(String path) throws Exception {
    return xCache(cluster.edgeUrl(), path);
  }

  /**
   * Fetches {@code path} through the edge until the edge holds it, and asks the owning shard
   * directly until it answers from its store (its write after the first miss is asynchronous).
   */
  static void fill(String path) throws Exception {
    String first = viaEdge(path);
    Matcher shard = Pattern.compile("shard-(\\d)").matcher(first);
    assertThat(shard.find()).as(first).isTrue();
    assertThat(viaEdge(path)).isEqualTo("edge-1;hit");
    String shardUrl =
        "http://127.0.0.1:" + cluster.shards().get(Integer.parseInt(shard.group(1)) - 1).port();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!xCache(shardUrl, path).endsWith(";hit")) {
      assertThat(System.nanoTime())
          .as("shard stores " + path + " within 30 s")
          .isLessThan(deadline);
    }
  }

  static String[] purge(String... args) {
    CommandLine cmd = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cmd.setOut(new PrintWriter(out));
    cmd.setErr(new PrintWriter(err));
    String[] all = new String[args.length + 1];
    all[0] = "purge";
    System.arraycopy(args, 0, all, 1, args.length);
    int code = cmd.execute(all);
    return new String[] {String.valueOf(code), out.toString(), err.toString()};
  }

  @Test
  void purge_url_everyNodeOkAndTheNextFetchMissesAtEdgeAndShard() throws Exception {
    fill("/v/w150/photos/a.jpg");
    fill("/v/w150/photos/b.jpg");

    String[] result =
        purge(
            "--cluster",
            cluster.clusterFile().toString(),
            "--token",
            LocalCluster.ADMIN_TOKEN,
            cluster.edgeUrl() + "/v/w150/photos/a.jpg");

    assertThat(result[0]).as(result[1] + result[2]).isEqualTo("0");
    assertThat(result[1])
        .contains("on 1 edge, 3 shards\n")
        .contains("4 of 4 nodes purged")
        .containsPattern("edge +edge-1 +127\\.0\\.0\\.1:\\d+ +OK")
        .containsPattern("shard +shard-3 +127\\.0\\.0\\.1:\\d+ +OK");
    assertThat(viaEdge("/v/w150/photos/a.jpg"))
        .matches("edge-1;miss, shard-\\d;miss, origin-1;\\w+");
    assertThat(viaEdge("/v/w150/photos/b.jpg")).isEqualTo("edge-1;hit"); // only what was asked
  }

  @Test
  void purge_original_tokenAndClusterFromANodeConfig_everyUrlOfItMissesAndTheNewBytesAreServed()
      throws Exception {
    fill("/photos/b.jpg");
    fill("/v/w600/photos/b.jpg");
    byte[] replaced = ClusterEndToEndTest.jpeg(64, 48);
    cluster.s3().put("photos/b.jpg", replaced, "image/jpeg"); // the original changes in S3
    Path nodeConfig =
        Files.writeString(
            dir.resolve("edge.properties"),
            "admin.token="
                + LocalCluster.ADMIN_TOKEN
                + "\ncluster.file="
                + cluster.clusterFile()
                + "\n");

    String[] result = purge("--config", nodeConfig.toString(), "--original", "photos/b.jpg");

    assertThat(result[0]).as(result[1] + result[2]).isEqualTo("0");
    assertThat(result[1])
        .contains("on 1 edge, 3 shards and 1 origin")
        .contains("5 of 5 nodes purged")
        .containsPattern("origin +origin-1 +127\\.0\\.0\\.1:\\d+ +OK +purged 1 of 1 originals");
    assertThat(viaEdge("/photos/b.jpg")).matches("edge-1;miss, shard-\\d;miss, origin-1;\\w+");
    assertThat(viaEdge("/v/w600/photos/b.jpg"))
        .matches("edge-1;miss, shard-\\d;miss, origin-1;\\w+");
    HttpResponse<byte[]> now =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(cluster.edgeUrl() + "/photos/b.jpg")).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(now.body())
        .as("the replaced original, not the origin's remembered copy")
        .isEqualTo(replaced);
  }

  @Test
  void purge_wrongToken_exit1SayingSoAndNothingPurged() throws Exception {
    fill("/v/w1200/photos/a.jpg");

    String[] result =
        purge(
            "--cluster",
            cluster.clusterFile().toString(),
            "--token",
            "not-the-token",
            "/v/w1200/photos/a.jpg");

    assertThat(result[0]).isEqualTo("1");
    assertThat(result[1])
        .contains("0 of 4 nodes purged; 4 failed")
        .containsPattern("edge +edge-1 +127\\.0\\.0\\.1:\\d+ +FAILED +401: wrong admin token");
    assertThat(viaEdge("/v/w1200/photos/a.jpg")).isEqualTo("edge-1;hit");
  }

  @Test
  void purge_nodeWithoutAdminAddress_failedLineAndExit1() throws Exception {
    Path file =
        Files.writeString(
            dir.resolve("partial.conf"),
            Files.readString(cluster.clusterFile())
                .replaceAll("(shard-2 \\S+ \\d+) admin=\\S+", "$1"));

    String[] result =
        purge(
            "--cluster",
            file.toString(),
            "--token",
            LocalCluster.ADMIN_TOKEN,
            "/v/w150/photos/a.jpg");

    assertThat(result[0]).isEqualTo("1");
    assertThat(result[1])
        .containsPattern("shard +shard-2 +- +FAILED +no admin=host:port")
        .contains("3 of 4 nodes purged; 1 failed");
  }

  @Test
  void purge_usage_helpAndRefusals() {
    String[] help = purge("--help");
    assertThat(help[0]).isEqualTo("0");
    assertThat(help[1]).contains("--original", "--cluster", "IMGCDN_ADMIN_TOKEN", "exits 1");
    String[] nothing = purge("--cluster", "c.conf", "--token", "t");
    assertThat(nothing[0]).isEqualTo("2");
    assertThat(nothing[2]).contains("nothing to purge");
    String[] badPath =
        purge("--cluster", cluster.clusterFile().toString(), "--token", "t", "/a/../b.jpg");
    assertThat(badPath[0]).isEqualTo("2");
  }
}
