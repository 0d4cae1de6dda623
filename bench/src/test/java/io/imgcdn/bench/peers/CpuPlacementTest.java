package io.imgcdn.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class CpuPlacementTest {

  /** What the kernel says {@code command}'s process may run on (/proc/self/status). */
  private static String allowedCpus(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as(out).isZero();
    return out.lines()
        .filter(l -> l.startsWith("Cpus_allowed_list:"))
        .findFirst()
        .orElseThrow()
        .substring("Cpus_allowed_list:".length())
        .strip();
  }

  @Test
  void server_pinned_processRunsOnlyOnTheServerCpus() throws Exception {
    CpuPlacement placement = CpuPlacement.of("0", null);
    List<String> status = List.of("cat", "/proc/self/status");
    assertThat(allowedCpus(placement.server(status))).isEqualTo("0");
    assertThat(placement.client(status)).as("client not pinned: as given").isEqualTo(status);
    assertThat(placement.serverCpuCount()).isEqualTo(1);
    assertThat(placement.describe()).contains("servers on CPU 0");
  }

  @Test
  void of_listsAndRanges_countEachCpuOnce() {
    int cores = Runtime.getRuntime().availableProcessors();
    CpuPlacement all = CpuPlacement.of("0-" + (cores - 1) + ",0", "0");
    assertThat(all.serverCpuCount()).isEqualTo(cores);
    assertThat(CpuPlacement.of(null, " ").serverCpuCount()).isEqualTo(cores);
    assertThat(CpuPlacement.of(null, null).describe()).startsWith("not pinned");
  }

  @Test
  void of_badLists_nameTheOption() {
    assertThatThrownBy(() -> CpuPlacement.of("1-0", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--server-cpus=1-0");
    assertThatThrownBy(() -> CpuPlacement.of(null, "x")).hasMessageContaining("--client-cpus=x");
    assertThatThrownBy(() -> CpuPlacement.of("4096", null))
        .hasMessageContaining("this machine's count");
  }

  @Test
  void machineLoad_segment_reportsOtherCpuAndLoadAverage() {
    MachineLoad load = MachineLoad.start();
    long x = 0;
    for (int i = 0; i < 20_000_000; i++) {
      x += i * 31L ^ x;
    }
    MachineLoad.Figures f = load.end();
    assertThat(x).isNotZero();
    assertThat(f.otherCores()).isBetween(0.0, (double) Runtime.getRuntime().availableProcessors());
    assertThat(f.loadAverage()).matches("[0-9.]+ [0-9.]+ [0-9.]+");
    MachineLoad.Segments segments = new MachineLoad.Segments();
    segments.add("imgcdn #1", f);
    assertThat(segments.markdown()).contains("| imgcdn #1 | ").contains("CPU placement: ");
  }
}
