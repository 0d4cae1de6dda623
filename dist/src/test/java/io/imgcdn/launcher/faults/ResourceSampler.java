package io.imgcdn.launcher.faults;

import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Samples what a long-running node could leak, in this JVM: heap in use after a full GC, direct
 * memory (the JDK's direct buffer pool, and Netty's own counter), open file descriptors, live
 * threads, and resident memory.
 */
final class ResourceSampler {
  /*
   * Heap "after GC": System.gc() first, so the figure is the live set rather than wherever the young
   * generation happened to be; a leak shows as a live set that keeps growing. RSS also covers native
   * memory (RocksDB's block cache and memtables, libvips, Netty's pooled arenas) but moves with heap
   * commits and malloc arenas, so it is reported, not checked.
   */

  /** One sample; times from the start of the sampler, sizes in bytes. */
  record Sample(
      long millis,
      long heapAfterGc,
      long directBytes,
      long nettyDirectBytes,
      long fds,
      long threads,
      long rssBytes) {
    /**
     * Direct memory in use: Netty's counter when it keeps one (it then counts every direct buffer
     * it allocates, with or without a Cleaner), else the JDK's pool; the larger of the two, never
     * their sum.
     */
    long direct() {
      return Math.max(directBytes, nettyDirectBytes);
    }

    String row() {
      return String.format(
          Locale.ROOT,
          "| %5.0f s | %6.1f MB | %6.1f MB | %6.1f MB | %4d | %4d | %6.1f MB |",
          millis / 1e3,
          heapAfterGc / 1048576.0,
          directBytes / 1048576.0,
          Math.max(0, nettyDirectBytes) / 1048576.0,
          fds,
          threads,
          rssBytes / 1048576.0);
    }
  }

  static final String HEADER =
      "| time | heap after GC | direct (JDK pool) | direct (Netty counter) | fds | threads "
          + "| RSS |\n|---|---|---|---|---|---|---|";

  private final long start = System.nanoTime();

  Sample sample() {
    System.gc();
    long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    long direct =
        ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
            .filter(b -> b.getName().equals("direct"))
            .mapToLong(BufferPoolMXBean::getMemoryUsed)
            .sum();
    long netty = PlatformDependent.usedDirectMemory();
    long threads = ManagementFactory.getThreadMXBean().getThreadCount();
    return new Sample(
        (System.nanoTime() - start) / 1_000_000, heap, direct, netty, openFds(), threads, rss());
  }

  /**
   * Live threads by name with the digits taken out ("shard-store-#"), to tell a pool that grew from
   * a leak.
   */
  static Map<String, Integer> threadsByName() {
    Map<String, Integer> groups = new TreeMap<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      groups.merge(t.getName().replaceAll("[0-9]+", "#"), 1, Integer::sum);
    }
    return groups;
  }

  /**
   * Name groups whose count changed from {@code before} to {@code after}, e.g.
   * "sdk-async-response-# 4->6".
   */
  static String threadChanges(Map<String, Integer> before, Map<String, Integer> after) {
    StringBuilder b = new StringBuilder();
    Set<String> names = new TreeSet<>(before.keySet());
    names.addAll(after.keySet());
    for (String n : names) {
      int x = before.getOrDefault(n, 0);
      int y = after.getOrDefault(n, 0);
      if (x != y) {
        b.append(b.isEmpty() ? "" : ", ").append(n).append(' ').append(x).append("->").append(y);
      }
    }
    return b.isEmpty() ? "none" : b.toString();
  }

  private static long openFds() {
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.count();
    } catch (IOException e) {
      return -1;
    }
  }

  private static long rss() {
    try {
      List<String> status = Files.readAllLines(Path.of("/proc/self/status"));
      for (String line : status) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException e) {
      // not Linux
    }
    return -1;
  }
}
