package io.imgcdn.launcher.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.imgcdn.launcher.LocalCluster;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Debian's Prometheus, configured by the prometheus.yml playbook for a LocalCluster (1 edge, 3
 * shards, 1 origin on 127.0.0.1), scrapes every node's admin port each second; its query API then
 * shows imgcdn_requests_total from every node with the node's tier and verdict labels.
 */
class PrometheusScrapeTest {
  /*
   * The configuration is not copied: ansible-playbook renders the same templates (prometheus.yml.j2 and the
   * file_sd targets) from an inventory naming the cluster's admin ports, and checks it with promtool, as in
   * production. Prometheus runs as a child process on a free port with its data in the temporary directory
   * and is stopped by pid.
   */
  static final String INSTALL_HINT = "apt-get install prometheus ansible (as .ci/run does)";
  static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  @TempDir static Path dir;
  static LocalCluster cluster;
  static Process prometheus;
  static Path prometheusLog;
  static int prometheusPort;

  @BeforeAll
  static void start() throws Exception {
    AnsibleDeployTest.requireTool("prometheus");
    AnsibleDeployTest.requireTool("ansible-playbook");
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
                32L << 20,
                32L << 20,
                "prometheus-test-signing-key",
                Map.of()));
    cluster.s3().put("photos/a.jpg", jpeg(), "image/jpeg");
    // Traffic on every node: through the edge twice (a miss down to the origin, then an edge hit),
    // and
    // once straight to each shard.
    get(cluster.edgeUrl() + "/v/w150/photos/a.jpg");
    get(cluster.edgeUrl() + "/v/w150/photos/a.jpg");
    for (var shard : cluster.shards()) {
      get("http://127.0.0.1:" + shard.port() + "/photos/a.jpg");
    }

    Path config = dir.resolve("prometheus");
    Path inventory = Files.writeString(dir.resolve("inventory.yml"), inventory());
    Path repo = AnsibleDeployTest.repositoryRoot();
    Path playbookLog = dir.resolve("playbook.log");
    Process playbook =
        new ProcessBuilder(
                "ansible-playbook",
                "playbooks/prometheus.yml",
                "-i",
                inventory.toString(),
                "-e",
                "imgcdn_prometheus_dir=" + config,
                "-e",
                "imgcdn_prometheus_scrape_interval=1s")
            .directory(repo.resolve("ansible").toFile())
            .redirectErrorStream(true)
            .redirectOutput(playbookLog.toFile())
            .start();
    if (!playbook.waitFor(5, TimeUnit.MINUTES) || playbook.exitValue() != 0) {
      playbook.destroyForcibly();
      fail("prometheus.yml playbook failed:\n" + Files.readString(playbookLog));
    }
    assertThat(config.resolve("prometheus.yml"))
        .isRegularFile(); // checked by promtool in the playbook

    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      prometheusPort = s.getLocalPort();
    }
    prometheusLog = dir.resolve("prometheus.log");
    prometheus =
        new ProcessBuilder(
                "prometheus",
                "--config.file=" + config.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("tsdb"),
                "--web.listen-address=127.0.0.1:" + prometheusPort,
                "--web.console.templates=" + dir,
                "--web.console.libraries=" + dir)
            .redirectErrorStream(true)
            .redirectOutput(prometheusLog.toFile())
            .start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (prometheus != null) {
      ProcessHandle handle = prometheus.toHandle();
      handle.destroy(); // SIGTERM: Prometheus shuts down cleanly
      if (!prometheus.waitFor(30, TimeUnit.SECONDS)) {
        handle.destroyForcibly();
        prometheus.waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  /** The inventory the playbook reads: every node of the cluster with its admin port. */
  static String inventory() {
    List<String> lines =
        new ArrayList<>(
            List.of(
                "all:",
                "  vars:",
                "    ansible_connection: local",
                "    ansible_host: 127.0.0.1",
                "    ansible_python_interpreter: \"{{ ansible_playbook_python }}\"",
                "  children:",
                "    edge_cache:",
                "      hosts:",
                "        edge-1:",
                "          edge_cache_admin_port: " + cluster.edge().adminPort(),
                "    shard_cache:",
                "      hosts:"));
    for (int i = 0; i < cluster.shards().size(); i++) {
      lines.add("        shard-" + (i + 1) + ":");
      lines.add("          shard_cache_admin_port: " + cluster.shards().get(i).adminPort());
    }
    lines.addAll(
        List.of(
            "    origin_thumb:",
            "      hosts:",
            "        origin-1:",
            "          origin_thumb_admin_port: " + cluster.origin().adminPort()));
    return String.join("\n", lines) + "\n";
  }

  static byte[] jpeg() throws IOException {
    var image =
        new java.awt.image.BufferedImage(120, 80, java.awt.image.BufferedImage.TYPE_INT_RGB);
    var out = new java.io.ByteArrayOutputStream();
    javax.imageio.ImageIO.write(image, "jpg", out);
    return out.toByteArray();
  }

  static void get(String url) throws Exception {
    HttpResponse<byte[]> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).as(url).isEqualTo(200);
  }

  /** The label sets of every series the instant query returns (Prometheus sorts labels by name). */
  static List<Map<String, String>> query(String promql) throws IOException, InterruptedException {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + prometheusPort
                            + "/api/v1/query?query="
                            + URLEncoder.encode(promql, StandardCharsets.UTF_8)))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      return List.of();
    }
    assertThat(r.body()).startsWith("{\"status\":\"success\"");
    List<Map<String, String>> series = new ArrayList<>();
    Matcher metric = Pattern.compile("\"metric\":\\{([^}]*)}").matcher(r.body());
    while (metric.find()) {
      Map<String, String> labels = new TreeMap<>();
      Matcher label = Pattern.compile("\"([^\"]+)\":\"([^\"]*)\"").matcher(metric.group(1));
      while (label.find()) {
        labels.put(label.group(1), label.group(2));
      }
      series.add(labels);
    }
    return series;
  }

  @Test
  void scrape_everyNodesRequestCounter_withTierAndResultLabels() throws Exception {
    Set<String> nodes = Set.of("edge-1", "shard-1", "shard-2", "shard-3", "origin-1");
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    List<Map<String, String>> series = List.of();
    while (!series.stream()
        .map(s -> s.get("node"))
        .collect(Collectors.toSet())
        .containsAll(nodes)) {
      if (System.nanoTime() > deadline) {
        fail(
            "no imgcdn_requests_total from every node after 90 s; got "
                + series
                + "; prometheus log:\n"
                + Files.readString(prometheusLog));
      }
      // Waiting on the process doubles as the poll interval and fails at once if Prometheus died.
      if (prometheus.waitFor(200, TimeUnit.MILLISECONDS)) {
        fail(
            "prometheus exited "
                + prometheus.exitValue()
                + ":\n"
                + Files.readString(prometheusLog));
      }
      series = query("imgcdn_requests_total");
    }

    Map<String, String> tierOf = new HashMap<>();
    Map<String, Set<String>> resultsOf = new HashMap<>();
    for (Map<String, String> s : series) {
      assertThat(s).containsKeys("__name__", "job", "instance", "tier", "node", "result");
      assertThat(s.get("instance")).startsWith("127.0.0.1:");
      tierOf.put(s.get("node"), s.get("tier"));
      resultsOf.computeIfAbsent(s.get("node"), n -> new java.util.TreeSet<>()).add(s.get("result"));
    }
    assertThat(tierOf)
        .containsEntry("edge-1", "edge")
        .containsEntry("shard-1", "shard")
        .containsEntry("shard-2", "shard")
        .containsEntry("shard-3", "shard")
        .containsEntry("origin-1", "origin");
    assertThat(resultsOf.get("edge-1")).contains("hit", "miss");
    assertThat(resultsOf.get("origin-1")).isNotEmpty();
    for (String shard : List.of("shard-1", "shard-2", "shard-3")) {
      assertThat(resultsOf.get(shard)).as(shard).containsAnyOf("hit", "miss");
    }
    // Scrapes succeeded for every target.
    List<Map<String, String>> up = query("up == 1");
    assertThat(up).extracting(s -> s.get("node")).containsExactlyInAnyOrderElementsOf(nodes);
  }
}
