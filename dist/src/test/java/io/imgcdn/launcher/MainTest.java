package io.imgcdn.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    Path config =
        Files.writeString(
            dir.resolve("edge.properties"),
            "cluster.file=" + cluster + "\nedge.cache.max-byts=1g\nserver.port=0\n");
    String[] result =
        run("edge", "--config", config.toString(), "--set", "edge.cache.max-bytes=2x");
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
    String[] result =
        run(
            "shard",
            "--set",
            "cluster.file=" + cluster,
            "--set",
            "shard.store.dir=" + dir.resolve("s"),
            "--set",
            "server.port=0",
            "--set",
            "admin.port=0");
    assertThat(result[0]).isEqualTo("2");
    assertThat(result[1])
        .contains("cluster.conf:1: address 'nowhere' (expected: host:port with port 1-65535)");
  }

  private static String[] runOut(String... args) {
    CommandLine cmd = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cmd.setOut(new PrintWriter(out));
    cmd.setErr(new PrintWriter(err));
    int code = cmd.execute(args);
    return new String[] {String.valueOf(code), out.toString(), err.toString()};
  }

  @Test
  void ring_printsOwnerFailoverAndOrigin_asTheNodesCompute(@TempDir Path dir) throws Exception {
    Path cluster =
        Files.writeString(
            dir.resolve("cluster.conf"),
            """
            shard shard-1 127.0.0.1:8081
            shard shard-2 127.0.0.1:8082
            shard shard-3 127.0.0.1:8083
            origin origin-1 127.0.0.1:8090
            """);
    var ring =
        io.imgcdn.hashring.HashRings.create(
            io.imgcdn.hashring.Placement.parse(
                io.imgcdn.common.cluster.ClusterSettings.DEFAULT_PLACEMENT),
            io.imgcdn.common.cluster.ClusterFile.read(cluster).shards());
    String[] result =
        runOut(
            "ring",
            "--cluster",
            cluster.toString(),
            "/v/w150/a.jpg",
            "http://cdn.example/b%20c.png");
    assertThat(result[0]).isEqualTo("0");
    String owner = ring.owner("/v/w150/a.jpg").id();
    assertThat(result[1])
        .contains("/v/w150/a.jpg -> " + owner + " (127.0.0.1:808" + owner.charAt(6) + "), then ")
        .contains("/b c.png -> " + ring.owner("/b c.png").id())
        .contains("; origin origin-1");
    assertThat(runOut("ring", "--cluster", cluster.toString(), "/a/../b.jpg")[0])
        .as("a URL the nodes would refuse")
        .isEqualTo("2");

    String[] old = runOut("ring", "--config", cluster.toString(), "/v/w150/a.jpg");
    assertThat(old[0]).as("the old spelling still works, for one release").isEqualTo("0");
    assertThat(old[1]).isEqualTo(runOut("ring", "-C", cluster.toString(), "/v/w150/a.jpg")[1]);
    assertThat(old[2])
        .contains("--config for the cluster file is deprecated", "use --cluster FILE");

    String[] none = runOut("ring", "/v/w150/a.jpg");
    assertThat(none[0]).isEqualTo("2");
    assertThat(none[2]).contains("no cluster file (expected: --cluster FILE)");
    assertThat(runOut("ring", "--help")[1]).contains("--cluster=FILE").doesNotContain("--config");
  }

  @Test
  void warm_urlsThroughTheEdge_summaryThenAllEdgeHits(@TempDir Path dir) throws Exception {
    try (LocalCluster cluster =
        LocalCluster.start(
            new LocalCluster.Layout(
                dir.resolve("c"),
                0,
                0,
                0,
                1,
                0,
                0,
                16L << 20,
                32L << 20,
                Demo.SIGNING_KEY,
                java.util.Map.of()))) {
      cluster.s3().put("w/1.txt", "one".getBytes(StandardCharsets.UTF_8), "text/plain");
      cluster.s3().put("w/2.txt", "two".getBytes(StandardCharsets.UTF_8), "text/plain");
      Path list =
          Files.writeString(
              dir.resolve("urls.txt"), "# warm these\n/w/1.txt\n\n/w/2.txt\n/w/missing.txt\n");
      String[] first =
          runOut(
              "warm", "--urls", list.toString(), "--edge", cluster.edgeUrl(), "--concurrency", "2");
      assertThat(first[0]).as("a 404 makes the exit code 1").isEqualTo("1");
      assertThat(first[1])
          .contains("warmed 3 URLs")
          .contains("status: 200=2, 404=1")
          .contains("edge verdict before warming: miss=3")
          .contains("failed: 1 request\n")
          .containsPattern("\n    404 .*  " + cluster.edgeUrl() + "/w/missing.txt\n");
      assertThat(first[2]).contains("100% 3/3");
      Path good = Files.writeString(dir.resolve("good.txt"), "/w/1.txt\n/w/2.txt\n");
      String[] second = runOut("warm", "--urls", good.toString(), "--edge", cluster.edgeUrl());
      assertThat(second[0]).isEqualTo("0");
      assertThat(second[1]).contains("edge verdict before warming: hit=2").doesNotContain("failed");
    }
  }

  @Test
  void warm_accept_eachUrlOncePerValue_thenBrowsersOfEachClassHitTheEdge(@TempDir Path dir)
      throws Exception {
    try (LocalCluster cluster =
        LocalCluster.start(
            new LocalCluster.Layout(
                dir.resolve("c"),
                0,
                0,
                0,
                1,
                0,
                0,
                16L << 20,
                32L << 20,
                Demo.SIGNING_KEY,
                java.util.Map.of("origin.preset.w150.formats", "webp")))) {
      cluster.s3().put("w/a.jpg", ClusterEndToEndTest.jpeg(300, 200), "image/jpeg");
      Path list = Files.writeString(dir.resolve("urls.txt"), "/v/w150/w/a.jpg\n");
      String[] warm =
          runOut(
              "warm",
              "--urls",
              list.toString(),
              "--edge",
              cluster.edgeUrl(),
              "--accept",
              ClusterNegotiationTest.FIREFOX,
              "--accept",
              "*/*");
      assertThat(warm[0]).as(warm[1] + warm[2]).isEqualTo("0");
      assertThat(warm[1])
          .contains("warmed 1 URLs (2 requests: 2 Accept values each)")
          .contains("status: 200=2")
          .contains("edge verdict before warming: miss=2");

      // Chrome's Accept is of Firefox's class (AVIF and WebP), old Safari's of */*'s (neither).
      var http = java.net.http.HttpClient.newHttpClient();
      for (String browser :
          List.of(ClusterNegotiationTest.CHROME, ClusterNegotiationTest.OLD_SAFARI)) {
        var r =
            http.send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(cluster.edgeUrl() + "/v/w150/w/a.jpg"))
                    .header("Accept", browser)
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.headers().firstValue("X-Cache")).as(browser).hasValue("edge-1;hit");
        assertThat(r.headers().firstValue("Content-Type"))
            .as(browser)
            .hasValue(browser.contains("webp") ? "image/webp" : "image/jpeg");
      }
    }
  }

  @Test
  void warm_failures_namedWithTheirCauseUpToALimitThenCounted(@TempDir Path dir) throws Exception {
    int closedPort;
    try (var socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < WarmCommand.FAILURES_LISTED + 5; i++) {
      lines
          .append("http://127.0.0.1:")
          .append(closedPort)
          .append("/gone/")
          .append(i)
          .append(".jpg\n");
    }
    Path list = Files.writeString(dir.resolve("urls.txt"), lines);
    String[] warm =
        runOut("warm", "--urls", list.toString(), "--accept", "image/webp", "--concurrency", "4");
    assertThat(warm[0]).isEqualTo("1");
    int total = WarmCommand.FAILURES_LISTED + 5;
    assertThat(warm[1])
        .contains("status: failed (ConnectException)=" + total)
        .contains("failed: " + total + " requests\n")
        .containsPattern(
            "\n    ConnectException.*  http://127\\.0\\.0\\.1:"
                + closedPort
                + "/gone/\\d+\\.jpg  \\(Accept: image/webp\\)\n")
        .contains("    ... and 5 more\n");
    assertThat(warm[1].lines().filter(l -> l.startsWith("    ConnectException")))
        .hasSize(WarmCommand.FAILURES_LISTED);
  }
}
