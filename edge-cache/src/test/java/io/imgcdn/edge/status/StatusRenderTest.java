package io.imgcdn.edge.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusRenderTest {
  static final Instant T = Instant.parse("2026-11-22T04:00:00Z");

  static StatusReport report() {
    StatusReport.Member up =
        new StatusReport.Member("shard-1", "10.0.0.1:8081", 1, 0.5, 0.49, false, 0, 0, "up", 3);
    StatusReport.Member down =
        new StatusReport.Member(
            "shard-<b>2</b>", "10.0.0.2:8081", 1, 0.5, 0.51, true, 3, 1500, "down", 0);
    long[] none = new long[TierCounters.Verdict.values().length];
    TopKeys.Window current =
        new TopKeys.Window(
            T,
            T.plusSeconds(30),
            7,
            List.of(
                new HeavyHitters.Entry("/a\"b'&<i>.jpg", 5, 1, 5000),
                new HeavyHitters.Entry("/ctl\u0001\n.jpg", 2, 0, 9)));
    TopKeys.Window last = new TopKeys.Window(T.minusSeconds(60), T, 0, List.of());
    return new StatusReport(
        "edge-1",
        "0.1.0",
        T.plusSeconds(30),
        Duration.ofHours(27).plusMinutes(5),
        new StatusReport.Ring(4, "maglev", 100_000, List.of(up, down), 10, 2),
        List.of(new StatusReport.TierRow("edge", none, none, Double.NaN, Double.NaN)),
        current,
        last,
        new StatusReport.Cache(1 << 20, 8 << 20, 3, 12, 900_000),
        new StatusReport.Jvm("25", 50 << 20, 100 << 20, -1, -1, -1));
  }

  @Test
  void html_downMemberUnknownsAndHostileStrings_escapedAndLabelled() {
    String html = StatusHtml.render(report(), 0);
    assertThat(html)
        .contains("shard-&lt;b&gt;2&lt;/b&gt;", "<span class=\"down\">down</span> retry 1.5 s")
        .contains("/a&quot;b&#39;&amp;&lt;i&gt;.jpg", "title=\"/a&quot;b&#39;&amp;&lt;i&gt;.jpg\"")
        .contains("1d 03h 05m", "8.0 MiB", "no requests", "max ?")
        .doesNotContain("<b>", "<i>", "NaN", "http-equiv");
    assertThat(StatusHtml.render(report(), 5))
        .contains("<meta http-equiv=\"refresh\" content=\"5\">");
  }

  @Test
  void json_hostileStringsAndUnknowns_validEscapesAndNulls() {
    String json = StatusJson.render(report());
    assertThat(json)
        .contains(
            "\"id\":\"shard-\\u003cb\\u003e2\\u003c/b\\u003e\"",
            "\"up\":false",
            "\"consecutiveFailures\":3")
        .contains(
            "\"key\":\"/a\\\"b'\\u0026\\u003ci\\u003e.jpg\"", "\"key\":\"/ctl\\u0001\\n.jpg\"")
        .contains("\"objectHitRatio\":null", "\"evictions\":12", "\"heapMaxBytes\":-1")
        .doesNotContain("NaN", "<", ">");
  }
}
