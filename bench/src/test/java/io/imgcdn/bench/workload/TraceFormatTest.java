package io.imgcdn.bench.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceFormatTest {

  @TempDir Path dir;

  @Test
  void write_thenRead_sameRequests() throws IOException {
    Workload w =
        Workload.generate(WorkloadSpec.defaults(11).withOriginals(500).withRequests(5_000));
    Path file = dir.resolve("trace.txt");

    assertThat(TraceFormat.write(file, w)).isEqualTo(5_000);
    List<TraceRequest> expected = new ArrayList<>();
    w.requests().forEachRemaining(expected::add);
    List<TraceRequest> read = new ArrayList<>();
    try (TraceFormat.Reader r = TraceFormat.open(file)) {
      r.forEachRemaining(read::add);
    }
    assertThat(read).isEqualTo(expected);
    assertThat(Files.readAllLines(file).getFirst()).isEqualTo(TraceFormat.MAGIC);
    assertThat(Files.readAllLines(file).get(1))
        .startsWith("# seed=11 originals=500 zipf=0.9 requests=5000 mix=");
  }

  @Test
  void read_commentsAndBlankLines_skipped() throws IOException {
    Path file = dir.resolve("hand.txt");
    Files.writeString(
        file,
        "# hand-made\n\n/img/a.jpg 10\n/v/w150/img/a.jpg 3\n/img/a.jpg 10\n",
        StandardCharsets.UTF_8);

    Trace t = Trace.read(file);

    assertThat(t.length()).isEqualTo(3);
    assertThat(t.objectCount()).isEqualTo(2);
    assertThat(t.path(t.objectAt(1))).isEqualTo("/v/w150/img/a.jpg");
    assertThat(t.objectAt(2)).isEqualTo(t.objectAt(0));
    assertThat(t.workingSetBytes()).isEqualTo(13);
    assertThat(t.requestedBytes()).isEqualTo(23);
  }

  @Test
  void read_badLine_namesFileAndLine() throws IOException {
    Path file = dir.resolve("bad.txt");
    Files.writeString(file, "/img/a.jpg 10\n/img/b.jpg ten\n", StandardCharsets.UTF_8);

    assertThatThrownBy(() -> Trace.read(file))
        .hasMessageContaining("bad.txt:2: trace line: '/img/b.jpg ten'");
  }

  @Test
  void read_sizeChanges_throws() throws IOException {
    Path file = dir.resolve("sizes.txt");
    Files.writeString(file, "/img/a.jpg 10\n/img/a.jpg 11\n", StandardCharsets.UTF_8);

    assertThatThrownBy(() -> Trace.read(file))
        .hasMessageContaining("size of /img/a.jpg: 11 at request 1 (expected: 10");
  }
}
