package io.imgcdn.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.bench.BenchMainAccess;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimCommandTest {

  @TempDir Path dir;

  @Test
  void sim_smallWorkload_printsTableAndWritesReport() throws IOException {
    Path out = dir.resolve("sim.md");

    BenchMainAccess.Run run =
        BenchMainAccess.run(
            "sim",
            "--originals",
            "500",
            "--requests",
            "20000",
            "--sizes",
            "0.05,0.5",
            "--repeats",
            "2",
            "--out",
            out.toString());

    assertThat(run.exitCode()).isZero();
    assertThat(run.out())
        .contains(
            "| policy",
            "| lru",
            "| fifo",
            "| caffeine",
            "| gdsf",
            "| belady",
            "OHR 5.0%",
            "BHR 50.0%");
    assertThat(Files.readString(out, StandardCharsets.UTF_8))
        .startsWith(run.out())
        .contains("](sim-ohr.svg)", "](sim-bhr.svg)");
    assertThat(Files.readString(dir.resolve("sim-ohr.svg"), StandardCharsets.UTF_8))
        .startsWith("<svg")
        .contains(">belady</text>")
        .doesNotContain("NaN");
    assertThat(Files.readString(dir.resolve("sim-bhr.svg"), StandardCharsets.UTF_8))
        .contains("stroke-dasharray");
    assertThat(Files.readString(dir.resolve("sim-ohr.svg"), StandardCharsets.UTF_8))
        .doesNotContain("stroke-dasharray");
  }
}
