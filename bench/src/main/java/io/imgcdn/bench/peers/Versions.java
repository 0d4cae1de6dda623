package io.imgcdn.bench.peers;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Version strings of the peers' binaries, for the report. */
final class Versions {

  private Versions() {}

  /**
   * The first output line of {@code command} (stdout and stderr) that contains {@code marker}, or
   * "unknown".
   */
  static String firstLine(List<String> command, String marker) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      try (InputStream in = p.getInputStream()) {
        if (!p.waitFor(10, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          return "unknown";
        }
        for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
          if (line.contains(marker)) {
            return line.strip();
          }
        }
      }
    } catch (IOException e) {
      return "unknown (" + e.getMessage() + ")";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return "unknown";
  }
}
