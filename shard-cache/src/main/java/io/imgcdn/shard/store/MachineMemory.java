package io.imgcdn.shard.store;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The RAM this process may count on: what the store's read-mode and block-cache defaults are sized
 * from.
 */
public final class MachineMemory {

  /*
   * The smallest of: MemTotal from /proc/meminfo (as the issue asks); the memory limit of the process's cgroup and
   * of every cgroup above it (v2 memory.max, v1 memory.limit_in_bytes, found through /proc/self/cgroup), e.g. a
   * systemd unit's MemoryMax or a container's limit; and the JVM's own figure
   * (com.sun.management.OperatingSystemMXBean#getTotalMemorySize, which honours a container's limit but not
   * necessarily a systemd unit's on a host, hence the cgroup files read here). The page cache of the store's
   * files is charged to the cgroup too, so a store larger than the limit cannot live in the page cache however
   * much RAM the host has; and a block cache sized from the host's RAM would get the unit killed by its limit.
   */

  private static final Pattern MEM_TOTAL =
      Pattern.compile("^MemTotal:\\s+(\\d+)\\s*kB\\s*$", Pattern.MULTILINE);

  /**
   * A v1 "unlimited" is LONG_MAX rounded down to the page size; anything above 2^60 counts as no
   * limit.
   */
  private static final long NO_LIMIT = 1L << 60;

  private MachineMemory() {}

  /**
   * RAM in bytes: min(MemTotal, the cgroup memory limits above this process, the JVM's total
   * memory).
   */
  public static long totalBytes() {
    long total =
        ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getTotalMemorySize();
    try {
      total = smallestPositive(total, memTotalBytes(Files.readString(Path.of("/proc/meminfo"))));
      total =
          smallestPositive(
              total,
              cgroupLimitBytes(
                  Files.readString(Path.of("/proc/self/cgroup")), Path.of("/sys/fs/cgroup")));
    } catch (IOException | RuntimeException e) {
      // not Linux, or /proc not mounted: what was found so far
    }
    return total;
  }

  /** The MemTotal line of a /proc/meminfo text, in bytes; -1 if there is none. */
  static long memTotalBytes(String meminfo) {
    Matcher m = MEM_TOTAL.matcher(meminfo);
    return m.find() ? Long.parseLong(m.group(1)) * 1024 : -1;
  }

  /**
   * The smallest memory limit of the cgroups named in a /proc/self/cgroup text and of their
   * ancestors, read under {@code root} (normally /sys/fs/cgroup): cgroup v2 ({@code 0::/path}, file
   * memory.max) and v1's memory controller ({@code N:memory:/path}, under root/memory, file
   * memory.limit_in_bytes). -1 if none is set.
   */
  static long cgroupLimitBytes(String procSelfCgroup, Path root) {
    long limit = -1;
    for (String line : procSelfCgroup.split("\n")) {
      String[] f = line.strip().split(":", 3);
      if (f.length < 3 || !f[2].startsWith("/")) {
        continue;
      }
      if (f[0].equals("0") && f[1].isEmpty()) {
        limit = smallestPositive(limit, smallestLimitUpwards(root, f[2], "memory.max"));
      } else if (List.of(f[1].split(",")).contains("memory")) {
        limit =
            smallestPositive(
                limit, smallestLimitUpwards(root.resolve("memory"), f[2], "memory.limit_in_bytes"));
      }
    }
    return limit;
  }

  private static long smallestLimitUpwards(Path base, String cgroupPath, String file) {
    long limit = -1;
    Path dir = base.resolve(cgroupPath.substring(1)).normalize();
    while (dir != null && dir.startsWith(base)) {
      try {
        String raw = Files.readString(dir.resolve(file)).strip();
        if (!raw.equals("max")) {
          long value = Long.parseLong(raw);
          if (value < NO_LIMIT) {
            limit = smallestPositive(limit, value);
          }
        }
      } catch (IOException | NumberFormatException e) {
        // no such file at this level (a cgroup namespace shows only part of the tree): go on
        // upwards
      }
      dir = dir.equals(base) ? null : dir.getParent();
    }
    return limit;
  }

  private static long smallestPositive(long a, long b) {
    return a <= 0 ? b : b <= 0 ? a : Math.min(a, b);
  }
}
