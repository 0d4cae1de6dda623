package io.imgcdn.bench.workload;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.bench.BenchMainAccess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WorkloadCommandTest {

  @TempDir Path dir;

  @Test
  void workload_traceAndObjects_written() throws IOException {
    Path trace = dir.resolve("t.txt");
    Path objects = dir.resolve("bucket");

    BenchMainAccess.Run run =
        BenchMainAccess.run(
            "workload",
            "--seed",
            "3",
            "--originals",
            "25",
            "--requests",
            "300",
            "--zipf",
            "1.1",
            "--drift-every",
            "100",
            "--drift-keys",
            "5",
            "--trace",
            trace.toString(),
            "--objects-dir",
            objects.toString());

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("trace: 300 requests", "objects: 25 (");
    assertThat(Trace.read(trace).length()).isEqualTo(300);
    assertThat(Files.readAllLines(trace).get(1))
        .contains("seed=3 originals=25 zipf=1.1 requests=300", "drift=100/5");
    try (Stream<Path> files = Files.list(objects.resolve("img"))) {
      assertThat(files.count()).isEqualTo(25);
    }
    Workload w =
        Workload.generate(
            WorkloadSpec.defaults(3)
                .withOriginals(25)
                .withRequests(300)
                .withZipfExponent(1.1)
                .withDrift(100, 5));
    assertThat(Files.readAllBytes(objects.resolve(w.key(7)))).isEqualTo(w.body(7));
  }
}
