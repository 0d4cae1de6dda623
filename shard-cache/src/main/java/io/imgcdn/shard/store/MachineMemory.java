package io.imgcdn.shard.store;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The RAM this process may count on: what the store's read-mode and block-cache defaults are sized from. */
public final class MachineMemory {

  /*
   * MemTotal from /proc/meminfo, as the issue asks, but never more than the JVM's own figure
   * (com.sun.management.OperatingSystemMXBean#getTotalMemorySize), which is the cgroup's memory limit when there
   * is one (a container, a systemd unit with MemoryMax): the page cache of the store's files is charged to that
   * cgroup as well, so a store larger than the limit cannot live in the page cache however much RAM the host has.
   * Without /proc (not Linux) the JVM's figure alone.
   */

  private static final Pattern MEM_TOTAL = Pattern.compile("^MemTotal:\\s+(\\d+)\\s*kB\\s*$", Pattern.MULTILINE);
  private static final Path MEMINFO = Path.of("/proc/meminfo");

  private MachineMemory() {}

  /** RAM in bytes: min(MemTotal, the JVM's total memory, which honours a cgroup limit). */
  public static long totalBytes() {
    long jvm = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
        .getTotalMemorySize();
    long memTotal = -1;
    try {
      memTotal = memTotalBytes(Files.readString(MEMINFO));
    } catch (IOException | RuntimeException e) {
      // not Linux, or /proc not mounted: the JVM's figure alone
    }
    return memTotal > 0 && (jvm <= 0 || memTotal < jvm) ? memTotal : jvm;
  }

  /** The MemTotal line of a /proc/meminfo text, in bytes; -1 if there is none. */
  static long memTotalBytes(String meminfo) {
    Matcher m = MEM_TOTAL.matcher(meminfo);
    return m.find() ? Long.parseLong(m.group(1)) * 1024 : -1;
  }
}
