package io.imgcdn.shard.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MachineMemoryTest {

  @Test
  void memTotalBytes_meminfoText_kibibytesAsBytes() {
    String meminfo =
        "MemFree:         1000 kB\nMemTotal:       24683656 kB\nMemAvailable:   23043108 kB\n";

    assertThat(MachineMemory.memTotalBytes(meminfo)).isEqualTo(24683656L * 1024);
  }

  @Test
  void memTotalBytes_noMemTotalLine_minusOne() {
    assertThat(MachineMemory.memTotalBytes("MemFree: 1000 kB\n")).isEqualTo(-1);
  }

  @Test
  void cgroupLimitBytes_v2_smallestLimitOnThePathUpwards(@TempDir Path root) throws Exception {
    Path unit = Files.createDirectories(root.resolve("system.slice/imgcdn-shard.service"));
    Files.writeString(unit.resolve("memory.max"), "3221225472\n");
    Files.writeString(root.resolve("system.slice/memory.max"), "max\n");
    Files.writeString(root.resolve("memory.max"), "8589934592\n");

    assertThat(MachineMemory.cgroupLimitBytes("0::/system.slice/imgcdn-shard.service\n", root))
        .isEqualTo(3L << 30);
    Files.writeString(root.resolve("system.slice/memory.max"), "1073741824\n");
    assertThat(MachineMemory.cgroupLimitBytes("0::/system.slice/imgcdn-shard.service\n", root))
        .isEqualTo(1L << 30);
  }

  @Test
  void cgroupLimitBytes_v1MemoryController_limitOrNoneWhenUnlimited(@TempDir Path root)
      throws Exception {
    Path group = Files.createDirectories(root.resolve("memory/docker/abc"));
    String self = "9:name=systemd:/\n4:memory:/docker/abc\n1:cpu:/\n";
    Files.writeString(group.resolve("memory.limit_in_bytes"), "9223372036854771712\n");

    assertThat(MachineMemory.cgroupLimitBytes(self, root)).isEqualTo(-1);
    Files.writeString(group.resolve("memory.limit_in_bytes"), "2147483648\n");
    assertThat(MachineMemory.cgroupLimitBytes(self, root)).isEqualTo(2L << 30);
  }

  @Test
  void cgroupLimitBytes_noLimitFiles_minusOne(@TempDir Path root) {
    assertThat(MachineMemory.cgroupLimitBytes("0::/\n", root)).isEqualTo(-1);
    assertThat(MachineMemory.cgroupLimitBytes("", root)).isEqualTo(-1);
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
