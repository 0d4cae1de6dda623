package io.imgcdn.s3embedded;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Prints how long {@link EmbeddedS3#start} and {@link EmbeddedS3#close} take, first in a fresh JVM
 * and then again in the same JVM. A measurement to run by hand (see embedded-s3/README.md), not a
 * test.
 */
public final class StartCostProbe {

  private StartCostProbe() {}

  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Path directory = Files.createTempDirectory("embedded-s3-probe");
    for (int run = 0; run < runs; run++) {
      long started = System.nanoTime();
      EmbeddedS3 s3 = EmbeddedS3.start(directory, 0, "images", "probe-access", "probe-secret");
      long running = System.nanoTime();
      s3.close();
      long stopped = System.nanoTime();
      System.out.printf(
          Locale.ROOT,
          "run %d: start %.1f ms, close %.1f ms%n",
          run,
          (running - started) / 1e6,
          (stopped - running) / 1e6);
    }
  }
}
