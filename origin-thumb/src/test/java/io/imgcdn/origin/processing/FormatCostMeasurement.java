package io.imgcdn.origin.processing;

import io.imgcdn.origin.options.OutputFormat;
import io.imgcdn.origin.options.VariantSpec;
import io.imgcdn.origin.security.ImageLimits;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Encode cost of WebP and AVIF thumbnails against JPEG with the libvips engine: a measurement, not
 * a test (docs/BENCHMARKS.md, "Origin", has the command and the figures). One thread; the
 * configurations run interleaved in every round, so background load hits them alike; cost is
 * process CPU time (libaom may use helper threads).
 */
final class FormatCostMeasurement {

  record Config(String label, OutputFormat format, int avifEffort) {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "/usr/share/backgrounds/mate/nature");
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
    List<byte[]> sources = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".jpg")).sorted().toList()) {
        sources.add(Files.readAllBytes(f));
      }
    }
    List<Config> configs =
        List.of(
            new Config("jpeg q82", OutputFormat.JPEG, 2),
            new Config("webp q82", OutputFormat.WEBP, 2),
            new Config("avif effort 0", OutputFormat.AVIF, 0),
            new Config("avif effort 2 (default)", OutputFormat.AVIF, 2),
            new Config("avif effort 4 (libvips default)", OutputFormat.AVIF, 4));
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    System.out.printf(
        Locale.ROOT,
        "%d sources from %s, %d rounds after a warm-up%n",
        sources.size(),
        dir,
        rounds);
    for (int width : new int[] {150, 600, 1200}) {
      long[] cpu = new long[configs.size()];
      long[] bytes = new long[configs.size()];
      for (int round = -1; round < rounds; round++) {
        for (int c = 0; c < configs.size(); c++) {
          Config config = configs.get(c);
          ImageEngine engine = ImageEngines.libvips(config.avifEffort()).orElseThrow();
          VariantSpec spec = VariantSpec.ofWidth(width).withFormat(config.format());
          long start = os.getProcessCpuTime();
          long size = 0;
          for (byte[] source : sources) {
            size +=
                engine
                    .render(source, spec, ImageLimits.defaults(), Instant.now().plusSeconds(60))
                    .bytes()
                    .length;
          }
          if (round >= 0) {
            cpu[c] += os.getProcessCpuTime() - start;
            bytes[c] += size;
          }
        }
      }
      int n = sources.size() * rounds;
      for (int c = 0; c < configs.size(); c++) {
        System.out.printf(
            Locale.ROOT,
            "w%-5d %-32s %7.1f ms CPU/thumb  %5.2fx jpeg  %7.1f KB/thumb  %4.2fx jpeg%n",
            width,
            configs.get(c).label(),
            cpu[c] / 1e6 / n,
            (double) cpu[c] / cpu[0],
            bytes[c] / 1024.0 / n,
            (double) bytes[c] / bytes[0]);
      }
    }
  }
}
