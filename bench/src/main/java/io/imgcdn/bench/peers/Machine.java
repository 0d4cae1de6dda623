package io.imgcdn.bench.peers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * What the report says about the machine a run measured on: cores, CPU, memory, JDK, load average.
 */
final class Machine {

  private Machine() {}

  /**
   * The 1, 5 and 15 minute load averages from /proc/loadavg, e.g. {@code 9.59 9.91 11.72}, or
   * "unknown".
   */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg"), StandardCharsets.US_ASCII).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  /** One line: cores, CPU model, memory, OS, JDK. */
  static String describe() {
    return String.format(
        Locale.ROOT,
        "%d cores (%s), %s RAM, %s, JDK %s %s",
        CpuPlacement.machineCpus(),
        cpuModel(),
        memory(),
        os(),
        System.getProperty("java.vendor"),
        System.getProperty("java.runtime.version"));
  }

  private static String cpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.US_ASCII).stream()
          .filter(l -> l.startsWith("model name"))
          .findFirst()
          .map(l -> l.substring(l.indexOf(':') + 1).strip())
          .orElse("unknown CPU");
    } catch (IOException | RuntimeException e) {
      return "unknown CPU";
    }
  }

  private static String memory() {
    try {
      return Files.readAllLines(Path.of("/proc/meminfo"), StandardCharsets.US_ASCII).stream()
          .filter(l -> l.startsWith("MemTotal:"))
          .findFirst()
          .map(
              l ->
                  String.format(
                      Locale.ROOT,
                      "%.0f GB",
                      Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0))
          .orElse("unknown");
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static String os() {
    try {
      return Files.readAllLines(Path.of("/etc/os-release"), StandardCharsets.UTF_8).stream()
          .filter(l -> l.startsWith("PRETTY_NAME="))
          .findFirst()
          .map(l -> l.substring("PRETTY_NAME=".length()).replace("\"", ""))
          .orElse(System.getProperty("os.name"));
    } catch (IOException | RuntimeException e) {
      return System.getProperty("os.name");
    }
  }
}
