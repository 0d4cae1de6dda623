package io.imgcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.http.TierDispatch;
import io.imgcdn.common.testing.NettyLeakWatch;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Logs and metrics say the status each response was sent with (a hit answered 304, 206 or 416 is
 * not a 200), and health probes on {@link TierDispatch#HEALTH_PATH} are answered without being
 * counted or logged.
 */
class EdgeHonestStatusTest {
  @TempDir Path dir;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private HttpResponse<String> send(int port, String method, String path, String... headers)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static double counter(String metrics, String statusClass) {
    Matcher m =
        Pattern.compile(
                "imgcdn_responses_total\\{[^}]*status=\"" + statusClass + "\"[^}]*} ([0-9.]+)")
            .matcher(metrics);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  @Test
  void hitsAnsweredConditionallyOrByRange_loggedAndCountedWithTheirStatus_probesNeither()
      throws Exception {
    NettyLeakWatch leaks = new NettyLeakWatch();
    FakeShard shard = new FakeShard("shard-1");
    shard.objects.put("/a.jpg", EdgeServerTest.bytes(1000, 3));
    Path log = dir.resolve("access.log");
    EdgeServer edge =
        Edges.start(dir, List.of(shard), Map.of("server.access-log.file", log.toString()));
    try {
      int port = edge.port();
      HttpResponse<String> miss = send(port, "GET", "/a.jpg");
      assertThat(miss.statusCode()).isEqualTo(200);
      String etag = miss.headers().firstValue("ETag").orElseThrow();
      assertThat(send(port, "GET", "/a.jpg", "If-None-Match", etag).statusCode()).isEqualTo(304);
      assertThat(send(port, "GET", "/a.jpg", "Range", "bytes=0-9").statusCode()).isEqualTo(206);
      assertThat(send(port, "GET", "/a.jpg", "Range", "bytes=5000-").statusCode()).isEqualTo(416);
      for (String method : List.of("GET", "HEAD")) {
        HttpResponse<String> probe = send(port, method, TierDispatch.HEALTH_PATH);
        assertThat(probe.statusCode()).as(method).isEqualTo(200);
        assertThat(probe.headers().firstValue("X-Cache")).hasValue("edge-1;health");
      }
      edge.prober().probeAll(); // HEAD of the health path to the shard
      String metrics = send(edge.adminPort(), "GET", "/metrics").body();
      assertThat(counter(metrics, "2xx")).as("the miss and the 206").isEqualTo(2);
      assertThat(counter(metrics, "3xx")).isEqualTo(1);
      assertThat(counter(metrics, "4xx")).isEqualTo(1);
      assertThat(shard.totalRequests()).as("the probe never reaches the shard's tier").isOne();
    } finally {
      Edges.stopClean(edge, shard, leaks);
    }
    List<String> lines = Files.readAllLines(log);
    assertThat(lines).noneMatch(l -> l.contains(TierDispatch.HEALTH_PATH));
    assertThat(lines.stream().map(EdgeHonestStatusTest::status))
        .containsExactly("200", "304", "206", "416");
  }

  private static String status(String ltsv) {
    for (String field : ltsv.split("\t")) {
      if (field.startsWith("status:")) {
        return field.substring("status:".length());
      }
    }
    return "";
  }
}
