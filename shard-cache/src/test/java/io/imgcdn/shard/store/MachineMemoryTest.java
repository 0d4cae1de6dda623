package io.imgcdn.shard.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MachineMemoryTest {

  @Test
  void memTotalBytes_meminfoText_kibibytesAsBytes() {
    String meminfo = "MemFree:         1000 kB\nMemTotal:       24683656 kB\nMemAvailable:   23043108 kB\n";

    assertThat(MachineMemory.memTotalBytes(meminfo)).isEqualTo(24683656L * 1024);
  }

  @Test
  void memTotalBytes_noMemTotalLine_minusOne() {
    assertThat(MachineMemory.memTotalBytes("MemFree: 1000 kB\n")).isEqualTo(-1);
  }

  @Test
  void totalBytes_thisMachine_positiveAndAtMostMemTotal() throws Exception {
    long total = MachineMemory.totalBytes();

    assertThat(total).isPositive();
    Path meminfo = Path.of("/proc/meminfo");
    if (Files.isReadable(meminfo)) {
      assertThat(total).isLessThanOrEqualTo(MachineMemory.memTotalBytes(Files.readString(meminfo)));
    }
  }
}
