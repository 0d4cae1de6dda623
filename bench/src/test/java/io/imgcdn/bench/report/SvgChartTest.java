package io.imgcdn.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.bench.load.LoadResult;
import io.imgcdn.bench.load.LoadResultFixtures;
import io.imgcdn.bench.sim.SimulationResult;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class SvgChartTest {

  private static Document parse(String svg) throws Exception {
    return DocumentBuilderFactory.newInstance()
        .newDocumentBuilder()
        .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void lines_twoSeries_wellFormedWithOnePolylineEach() throws Exception {
    String svg =
        SvgChart.lines(
            "t <&> \"q\"",
            "x",
            SvgChart.Scale.LOG,
            List.of(new SvgChart.Tick(1, "1"), new SvgChart.Tick(100, "100")),
            "y",
            SvgChart.Scale.LINEAR,
            SvgChart.linearTicks(0, 1, v -> String.valueOf(v)),
            List.of(
                new SvgChart.Series(
                    "a", new double[] {1, 10, 100}, new double[] {0.1, 0.5, 0.9}, false),
                new SvgChart.Series("b", new double[] {1, 100}, new double[] {0.2, 0.3}, true)));

    Document d = parse(svg);
    assertThat(d.getElementsByTagName("polyline").getLength()).isEqualTo(2);
    assertThat(d.getElementsByTagName("circle").getLength()).isEqualTo(5);
    assertThat(svg).contains("t &lt;&amp;&gt; &quot;q&quot;");
  }

  @Test
  void linearTicks_oneTwoFiveSteps_coverRange() {
    assertThat(SvgChart.linearTicks(0, 1, v -> "").stream().map(SvgChart.Tick::value).toList())
        .containsExactly(0.0, 0.2, 0.4, 0.6, 0.8, 1.0);
    assertThat(SvgChart.linearTicks(0, 43, v -> "").getLast().value()).isEqualTo(50.0);
  }

  @Test
  void bars_labelsAndValuesMismatch_throws() {
    assertThatThrownBy(() -> SvgChart.bars("t", "y", List.of("a"), new double[2], v -> ""))
        .hasMessageContaining("1 labels and 2 values");
  }

  @Test
  void plots_simAndLoadResults_wellFormed() throws Exception {
    List<SimulationResult> sim =
        List.of(
            new SimulationResult("lru", 10, 1000, 100, 30, 1000, 350),
            new SimulationResult("lru", 50, 1000, 100, 50, 1000, 520),
            new SimulationResult("belady", 10, 1000, 100, 52, 1000, 530),
            new SimulationResult("belady", 50, 1000, 100, 70, 1000, 700));
    LoadResult load = LoadResultFixtures.withLatencies(1_000, 2_000, 3_000, 50_000);

    Document ohr = parse(Plots.hitRatioVsSize(sim, false));
    Document latency = parse(Plots.latencyCdf(List.of("edge", "nginx"), List.of(load, load)));
    Document bars = parse(Plots.throughput(List.of("edge", "nginx"), List.of(load, load)));

    assertThat(ohr.getElementsByTagName("polyline").getLength()).isEqualTo(2);
    assertThat(latency.getElementsByTagName("polyline").getLength()).isEqualTo(2);
    assertThat(bars.getElementsByTagName("rect").getLength()).isEqualTo(3); // background + 2 bars
    assertThat(Plots.hitRatioVsSize(sim, false))
        .contains(">1%</text>", ">5%</text>")
        .doesNotContain("NaN");
    assertThat(Plots.latencyCdf(List.of("edge"), List.of(load)))
        .contains(">99%</text>", ">50</text>");
  }
}
