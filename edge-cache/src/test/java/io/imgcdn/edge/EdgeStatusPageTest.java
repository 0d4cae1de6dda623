package io.imgcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.testing.NettyLeakWatch;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page on the admin port of an edge in front of three real shards (weights 1, 1, 2):
 * JSON figures match the traffic sent, client-chosen keys are escaped, and headless Chromium
 * renders the page. {@code -Dimgcdn.status.screenshot=docs/edge-status.png} keeps the screenshot.
 */
class EdgeStatusPageTest {
  static final String SCRIPT_KEY = "/<script>alert(1)</script>.jpg";
  static final int HOT = 40;
  static final int WARM = 15;

  @TempDir static Path dir;
  static List<FakeShard> shards = new ArrayList<>();
  static EdgeServer edge;
  static HttpClient http;
  static NettyLeakWatch leaks;

  @BeforeAll
  static void start() throws Exception {
    leaks = new NettyLeakWatch();
    StringBuilder cluster = new StringBuilder();
    for (int i = 1; i <= 3; i++) {
      FakeShard s = new FakeShard("shard-" + i);
      shards.add(s);
      cluster
          .append("shard shard-")
          .append(i)
          .append(' ')
          .append(s.address())
          .append(' ')
          .append(i == 3 ? 2 : 1)
          .append('\n');
    }
    Path file = dir.resolve("cluster.conf");
    Files.writeString(file, cluster);
    edge = EdgeServer.start(Edges.config(file, Map.of()));
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    for (FakeShard s : shards) {
      s.objects.put("/img/hot.jpg", EdgeServerTest.bytes(2_000, 1));
      s.objects.put("/img/warm.jpg", EdgeServerTest.bytes(500, 2));
      s.objects.put(SCRIPT_KEY, EdgeServerTest.bytes(10, 3));
      for (int k = 0; k < 12; k++) {
        s.objects.put("/img/cold-" + k + ".jpg", EdgeServerTest.bytes(100 + k, k));
      }
    }
    for (int i = 0; i < HOT; i++) {
      assertThat(get(edge.port(), "/img/hot.jpg").statusCode()).isEqualTo(200);
    }
    for (int i = 0; i < WARM; i++) {
      assertThat(get(edge.port(), "/img/warm.jpg").statusCode()).isEqualTo(200);
    }
    for (int k = 0; k < 12; k++) {
      assertThat(get(edge.port(), "/img/cold-" + k + ".jpg").statusCode()).isEqualTo(200);
    }
    assertThat(get(edge.port(), "/%3Cscript%3Ealert(1)%3C/script%3E.jpg").statusCode())
        .isEqualTo(200);
  }

  @AfterAll
  static void stop() {
    edge.close();
    shards.forEach(FakeShard::close);
    assertThat(leaks.leaks()).isEmpty();
    leaks.close();
  }

  static HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static long number(String json, String regex) {
    Matcher m = Pattern.compile(regex).matcher(json);
    assertThat(m.find()).as("%s in %s", regex, json).isTrue();
    return Long.parseLong(m.group(1));
  }

  @Test
  void statusJson_afterTraffic_topKeysTiersAndRingMatchWhatWasSent() throws Exception {
    HttpResponse<String> r = get(edge.adminPort(), "/status.json");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
    String json = r.body();

    String current = json.substring(json.indexOf("\"current\":"), json.indexOf("\"last\":"));
    Matcher keys =
        Pattern.compile(
                "\\{\"key\":\"([^\"]*)\",\"requests\":(\\d+),\"error\":(\\d+),\"bytes\":(\\d+)\\}")
            .matcher(current);
    assertThat(keys.find()).isTrue();
    assertThat(keys.group(1)).isEqualTo("/img/hot.jpg");
    assertThat(keys.group(2)).isEqualTo(Integer.toString(HOT));
    assertThat(keys.group(3)).isEqualTo("0");
    assertThat(keys.group(4)).isEqualTo(Long.toString(HOT * 2_000L));
    assertThat(keys.find()).isTrue();
    assertThat(keys.group(1)).isEqualTo("/img/warm.jpg");
    assertThat(keys.group(2)).isEqualTo(Integer.toString(WARM));
    assertThat(number(current, "\"requests\":(\\d+)"))
        .as("requests in the window")
        .isEqualTo(HOT + WARM + 12 + 1);
    assertThat(current)
        .contains("\"key\":\"/\\u003cscript\\u003ealert(1)\\u003c/script\\u003e.jpg\"");

    // 15 distinct keys, each a miss once (one shard request each) and a hit afterwards.
    String edgeTier = json.substring(json.indexOf("\"edge\":{\"objects\""));
    assertThat(number(edgeTier, "\"miss\":(\\d+)")).isEqualTo(15);
    assertThat(number(edgeTier, "\"hit\":(\\d+)")).isEqualTo(HOT + WARM - 2);
    String shardTier = json.substring(json.indexOf("\"shard\":{\"objects\""));
    assertThat(number(shardTier, "\"hit\":(\\d+)")).isEqualTo(15);
    assertThat(shards.stream().mapToInt(FakeShard::totalRequests).sum()).isEqualTo(15);

    assertThat(json).contains("\"id\":\"shard-1\"", "\"id\":\"shard-2\"", "\"id\":\"shard-3\"");
    Matcher shares =
        Pattern.compile(
                "\"id\":\"(shard-\\d)\"[^}]*\"weight\":(\\d),[^}]*\"keyShare\":([0-9.E-]+),"
                    + "\"up\":true")
            .matcher(json);
    double total = 0;
    for (int i = 0; i < 3; i++) {
      assertThat(shares.find()).isTrue();
      double share = Double.parseDouble(shares.group(3));
      double expected = Integer.parseInt(shares.group(2)) / 4.0;
      assertThat(share)
          .as(shares.group(1))
          .isCloseTo(expected, org.assertj.core.data.Offset.offset(0.05));
      total += share;
    }
    assertThat(total).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(number(json, "\"capacityBytes\":(\\d+)")).isEqualTo(8L << 20);
    assertThat(number(json, "\"objects\":(\\d+)")).isEqualTo(15);
  }

  @Test
  void metrics_afterTraffic_tierVerdictCountersExported() throws Exception {
    String metrics = get(edge.adminPort(), "/metrics").body();
    assertThat(metrics)
        .containsPattern(
            "imgcdn_edge_verdicts_total\\{[^}]*result=\"hit\",[^}]*verdict_tier=\"shard\"[^}]*}"
                + " 15(\\.0)?\n")
        .containsPattern(
            "imgcdn_edge_verdicts_total\\{[^}]*result=\"miss\",[^}]*verdict_tier=\"edge\"[^}]*}"
                + " 15(\\.0)?\n")
        .containsPattern(
            "imgcdn_edge_verdict_bytes_total\\{[^}]*result=\"hit\",[^}]*verdict_tier=\"edge\"[^}]*}"
                + " 85000(\\.0)?\n");
  }

  @Test
  void statusHtml_keyWithScriptTag_escaped() throws Exception {
    HttpResponse<String> r = get(edge.adminPort(), "/status");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
    assertThat(r.body())
        .contains("&lt;script&gt;alert(1)&lt;/script&gt;.jpg")
        .doesNotContain("<script")
        .contains("/img/hot.jpg", "shard-1", "shard-2", "shard-3");
  }

  @Test
  void statusHtml_refreshParameter_metaRefreshOr400() throws Exception {
    assertThat(get(edge.adminPort(), "/status?refresh=5").body())
        .contains("<meta http-equiv=\"refresh\" content=\"5\">");
    HttpResponse<String> bad = get(edge.adminPort(), "/status?refresh=0");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("refresh: 0 (expected: seconds, 1..3600)");
  }

  @Test
  void statusPage_headlessChromium_rendersMembersIn1280x800Screenshot() throws Exception {
    String url = "http://127.0.0.1:" + edge.adminPort() + "/status";
    Path png = dir.resolve("status.png");
    Chromium.Result shot = Chromium.run(dir, "--screenshot=" + png, url);
    assertThat(shot.exitCode()).as("chromium output: %s", shot.output()).isZero();
    assertThat(png).exists();
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image).as("PNG decodes").isNotNull();
    assertThat(image.getWidth()).isEqualTo(1280);
    assertThat(image.getHeight()).isEqualTo(800);
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < image.getHeight(); y += 4) {
      for (int x = 0; x < image.getWidth(); x += 4) {
        colours.add(image.getRGB(x, y));
      }
    }
    assertThat(colours.size()).as("distinct colours (not blank)").isGreaterThan(20);

    Chromium.Result dom = Chromium.run(dir, "--dump-dom", url);
    assertThat(dom.exitCode()).as("chromium output: %s", dom.output()).isZero();
    assertThat(dom.output())
        .contains(
            "title=\"shard-1\">shard-1</td>",
            "title=\"shard-2\">shard-2</td>",
            "title=\"shard-3\">shard-3</td>",
            "/img/hot.jpg")
        .doesNotContain("<script>alert");

    String keep = System.getProperty("imgcdn.status.screenshot");
    if (keep != null && !keep.isBlank()) {
      Files.copy(png, Path.of(keep), StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Debian's chromium, headless, one run per call, stopped by pid (with its children) at the end.
   */
  static final class Chromium {
    record Result(int exitCode, String output) {}

    static Result run(Path dir, String... args) throws IOException, InterruptedException {
      Path profile = Files.createTempDirectory(dir, "chromium-profile");
      Path out = Files.createTempFile(dir, "chromium", ".out");
      List<String> command =
          new ArrayList<>(
              List.of(
                  "/usr/bin/chromium",
                  "--headless=new",
                  "--no-sandbox",
                  "--disable-gpu",
                  "--disable-dev-shm-usage",
                  "--no-first-run",
                  "--hide-scrollbars",
                  "--window-size=1280,800",
                  "--user-data-dir=" + profile));
      command.addAll(List.of(args));
      Process p =
          new ProcessBuilder(command)
              .redirectErrorStream(false)
              .redirectOutput(out.toFile())
              .redirectError(dir.resolve("chromium.err").toFile())
              .start();
      try {
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
          throw new AssertionError("chromium did not finish within 90 s: " + command);
        }
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
      } finally {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    }
  }
}
