package io.imgcdn.bench.thumbs;

import io.imgcdn.origin.options.VariantSpec;
import io.imgcdn.origin.processing.ImageEngine;
import io.imgcdn.origin.processing.ImageEngines;
import io.imgcdn.origin.security.ImageLimits;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Thumbnails per second of the origin's image engines on a folder of real photographs, side by side
 * with Debian's {@code vipsthumbnail} on the same files in the same run: widths 150, 600 and 1200,
 * one and two threads, plus thumbnails per CPU-second and peak RSS.
 *
 * <p>Run (after {@code apt-get install -y libvips42 libvips-tools mate-backgrounds}):
 *
 * {@snippet lang="shell" :
 * ./mvnw -B -q -pl origin-thumb install -DskipTests
 * ./mvnw -B -q -pl bench package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/cp.txt
 * java --enable-native-access=ALL-UNNAMED -cp bench/target/classes:$(cat bench/target/cp.txt) \
 *     io.imgcdn.bench.thumbs.ThumbnailBench --dir /usr/share/backgrounds/mate/nature --rounds 3
 * }
 */
public final class ThumbnailBench {

  /*
   * Method. Each JVM engine runs in a child JVM of its own (so its peak RSS, VmHWM, is its own):
   * all files are read into memory, one warm-up pass per width on one thread, then `rounds`
   * passes over all files shared by a pool of N platform threads; wall time and the process's
   * CPU time (OperatingSystemMXBean) are taken around the measured passes. vipsthumbnail runs as
   * N processes over the same task list split round-robin, each under /usr/bin/time for CPU time
   * and max RSS, with VIPS_CONCURRENCY=1 as the libvips engine sets (one job per thread, no
   * worker threads inside a job), Q=82 and strip as the engines use. Same output: JPEG q82,
   * width-bounded (w=W), never upscaled.
   *
   * The machine is shared (2 cores): compare ratios within one run, not absolute figures
   * across runs.
   */

  private static final List<String> JVM_ENGINES = List.of("java", "libvips");
  private static final String VIPSTHUMBNAIL = "vipsthumbnail";

  /** vipsthumbnail's wall time less one process start-up: the stricter baseline for ratios. */
  private static final String VIPSTHUMBNAIL_NET = "vipsthumbnail-startup";

  private ThumbnailBench() {}

  record Options(
      Path dir,
      List<Integer> widths,
      List<Integer> threads,
      int rounds,
      List<String> engines,
      @Nullable String child) {

    static Options parse(String[] args) {
      Map<String, String> values = new LinkedHashMap<>();
      for (int i = 0; i < args.length; i++) {
        if (!args[i].startsWith("--") || i + 1 >= args.length) {
          throw new IllegalArgumentException(
              "argument: '"
                  + args[i]
                  + "' (expected: --dir D, --widths 150,600,1200, --threads 1,2, --rounds N,"
                  + " --engines java,libvips,vipsthumbnail)");
        }
        values.put(args[i].substring(2), args[++i]);
      }
      Options o =
          new Options(
              Path.of(values.getOrDefault("dir", "/usr/share/backgrounds/mate/nature")),
              ints(values.getOrDefault("widths", "150,600,1200")),
              ints(values.getOrDefault("threads", "1,2")),
              Integer.parseInt(values.getOrDefault("rounds", "3")),
              List.of(values.getOrDefault("engines", "java,libvips,vipsthumbnail").split(",")),
              values.get("child"));
      values.keySet().removeAll(List.of("dir", "widths", "threads", "rounds", "engines", "child"));
      if (!values.isEmpty()) {
        throw new IllegalArgumentException("unknown options " + values.keySet());
      }
      return o;
    }

    List<String> childArgs(String engine) {
      return List.of(
          "--dir",
          dir.toString(),
          "--widths",
          join(widths),
          "--threads",
          join(threads),
          "--rounds",
          Integer.toString(rounds),
          "--child",
          engine);
    }

    private static List<Integer> ints(String csv) {
      return Arrays.stream(csv.split(",")).map(Integer::parseInt).toList();
    }

    private static String join(List<Integer> list) {
      return String.join(",", list.stream().map(String::valueOf).toList());
    }
  }

  /** One measured configuration. */
  record Result(String engine, int width, int threads, int images, long wallNanos, long cpuNanos) {
    double perSecond() {
      return images / (wallNanos / 1e9);
    }

    double perCpuSecond() {
      return images / (cpuNanos / 1e9);
    }

    String line() {
      return String.format(
          Locale.ROOT,
          "RESULT %s %d %d %d %d %d",
          engine,
          width,
          threads,
          images,
          wallNanos,
          cpuNanos);
    }

    static Result parse(String line) {
      String[] f = line.split(" ");
      return new Result(
          f[1],
          Integer.parseInt(f[2]),
          Integer.parseInt(f[3]),
          Integer.parseInt(f[4]),
          Long.parseLong(f[5]),
          Long.parseLong(f[6]));
    }
  }

  public static void main(String[] args) throws Exception {
    Options options = Options.parse(args);
    List<Path> files = photos(options.dir());
    String child = options.child();
    if (child != null) {
      runChild(child, options, files);
      return;
    }
    System.out.printf(
        Locale.ROOT,
        "%d photos in %s (%.1f MB, %.1f MP on average), %d rounds%n",
        files.size(),
        options.dir(),
        totalBytes(files) / 1e6,
        averageMegapixels(files),
        options.rounds());
    List<Result> results = new ArrayList<>();
    Map<String, Long> peakRssKb = new LinkedHashMap<>();
    for (String engine : options.engines()) {
      if (engine.equals(VIPSTHUMBNAIL)) {
        runVipsthumbnail(options, files, results, peakRssKb);
      } else if (JVM_ENGINES.contains(engine)) {
        runChildJvm(options, engine, results, peakRssKb);
      } else {
        throw new IllegalArgumentException(
            "engine: '" + engine + "' (expected: java, libvips or vipsthumbnail)");
      }
    }
    System.out.print(report(options, results, peakRssKb));
  }

  private static List<Path> photos(Path dir) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      List<Path> files =
          list.filter(
                  p -> p.getFileName().toString().toLowerCase(Locale.ROOT).matches(".*\\.jpe?g"))
              .sorted()
              .toList();
      if (files.isEmpty()) {
        throw new IllegalArgumentException(
            "dir: " + dir + " has no .jpg files (expected: photographs)");
      }
      return files;
    }
  }

  private static long totalBytes(List<Path> files) throws IOException {
    long sum = 0;
    for (Path f : files) {
      sum += Files.size(f);
    }
    return sum;
  }

  private static double averageMegapixels(List<Path> files) throws IOException {
    double sum = 0;
    for (Path f : files) {
      try (var in = javax.imageio.ImageIO.createImageInputStream(f.toFile())) {
        var reader = javax.imageio.ImageIO.getImageReaders(in).next();
        reader.setInput(in);
        sum += reader.getWidth(0) * (double) reader.getHeight(0) / 1e6;
        reader.dispose();
      }
    }
    return sum / files.size();
  }

  // ---- child JVM: one engine ----

  private static void runChild(String child, Options options, List<Path> files) throws Exception {
    ImageEngine engine =
        switch (child) {
          case "java" -> ImageEngines.java();
          case "libvips" ->
              ImageEngines.libvips()
                  .orElseThrow(
                      () ->
                          new IllegalStateException(
                              "libvips engine unavailable: "
                                  + ImageEngines.libvipsUnavailableReason()));
          default -> throw new IllegalArgumentException("child: " + child);
        };
    List<byte[]> sources = new ArrayList<>();
    for (Path f : files) {
      sources.add(Files.readAllBytes(f));
    }
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    for (int width : options.widths()) {
      VariantSpec spec = VariantSpec.ofWidth(width);
      runPass(engine, sources, spec, 1, 1); // warm-up
      for (int threads : options.threads()) {
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        int images = runPass(engine, sources, spec, threads, options.rounds());
        long wall = System.nanoTime() - t0;
        long cpu = os.getProcessCpuTime() - cpu0;
        System.out.println(new Result(child, width, threads, images, wall, cpu).line());
      }
    }
    System.out.println("RSS " + child + " " + vmHwmKb());
  }

  private static int runPass(
      ImageEngine engine, List<byte[]> sources, VariantSpec spec, int threads, int rounds)
      throws Exception {
    int tasks = sources.size() * rounds;
    AtomicInteger next = new AtomicInteger();
    ImageLimits limits = ImageLimits.defaults();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        done.add(
            pool.submit(
                () -> {
                  int count = 0;
                  for (int i = next.getAndIncrement(); i < tasks; i = next.getAndIncrement()) {
                    engine.render(
                        sources.get(i % sources.size()),
                        spec,
                        limits,
                        Instant.now().plusSeconds(60));
                    count++;
                  }
                  return count;
                }));
      }
      int images = 0;
      for (Future<Integer> f : done) {
        images += f.get();
      }
      return images;
    } finally {
      pool.shutdown();
    }
  }

  private static long vmHwmKb() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  private static void runChildJvm(
      Options options, String engine, List<Result> results, Map<String, Long> peakRssKb)
      throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "--enable-native-access=ALL-UNNAMED",
                "-Djava.awt.headless=true",
                "-cp",
                System.getProperty("java.class.path"),
                ThumbnailBench.class.getName()));
    command.addAll(options.childArgs(engine));
    Process child =
        new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (child.waitFor() != 0) {
      throw new IllegalStateException(engine + " child failed: " + out);
    }
    for (String line : out.split("\n")) {
      if (line.startsWith("RESULT ")) {
        results.add(Result.parse(line));
      } else if (line.startsWith("RSS ")) {
        peakRssKb.put(engine, Long.parseLong(line.split(" ")[2]));
      }
    }
  }

  // ---- vipsthumbnail processes ----

  private static void runVipsthumbnail(
      Options options, List<Path> files, List<Result> results, Map<String, Long> peakRssKb)
      throws Exception {
    Path out = Files.createTempDirectory("thumbbench");
    long maxRss = 0;
    try {
      // A process's fixed cost (exec, vips_init loading its modules): the best of 3 runs on one
      // tiny image. Reported, and subtracted once per measured batch in the "-startup" row.
      Path tiny = out.resolve("tiny.jpg");
      javax.imageio.ImageIO.write(
          new java.awt.image.BufferedImage(16, 16, java.awt.image.BufferedImage.TYPE_INT_RGB),
          "jpeg",
          tiny.toFile());
      long startup = Long.MAX_VALUE;
      for (int i = 0; i < 3; i++) {
        long t0 = System.nanoTime();
        runVips(List.of(tiny), 8, 1, out);
        startup = Math.min(startup, System.nanoTime() - t0);
      }
      System.out.printf(Locale.ROOT, "vipsthumbnail process start-up: %.0f ms%n", startup / 1e6);
      for (int width : options.widths()) {
        runVips(files, width, 1, out); // warm-up (and page cache)
        for (int threads : options.threads()) {
          List<Path> tasks = new ArrayList<>();
          for (int r = 0; r < options.rounds(); r++) {
            tasks.addAll(files);
          }
          long t0 = System.nanoTime();
          long[] cpuAndRss = runVips(tasks, width, threads, out);
          long wall = System.nanoTime() - t0;
          maxRss = Math.max(maxRss, cpuAndRss[1]);
          results.add(new Result(VIPSTHUMBNAIL, width, threads, tasks.size(), wall, cpuAndRss[0]));
          results.add(
              new Result(
                  VIPSTHUMBNAIL_NET,
                  width,
                  threads,
                  tasks.size(),
                  Math.max(1, wall - startup),
                  cpuAndRss[0]));
        }
      }
    } finally {
      try (Stream<Path> walk = Files.walk(out)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
    peakRssKb.put(VIPSTHUMBNAIL, maxRss);
  }

  /**
   * Runs {@code threads} vipsthumbnail processes over {@code tasks}; returns {cpuNanos, maxRssKb}.
   */
  private static long[] runVips(List<Path> tasks, int width, int threads, Path out)
      throws Exception {
    List<Process> processes = new ArrayList<>();
    List<Path> timeFiles = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Path dir = Files.createDirectories(out.resolve("p" + t));
      Path timeFile = out.resolve("time-" + t + ".txt");
      timeFiles.add(timeFile);
      List<String> command =
          new ArrayList<>(
              List.of(
                  "/usr/bin/time",
                  "-f",
                  "%U %S %M",
                  "-o",
                  timeFile.toString(),
                  VIPSTHUMBNAIL,
                  "-s",
                  width + "x",
                  "-o",
                  dir + "/%s.jpg[Q=82,strip]"));
      for (int i = t; i < tasks.size(); i += threads) {
        command.add(tasks.get(i).toString());
      }
      ProcessBuilder pb =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD);
      pb.environment().put("VIPS_CONCURRENCY", "1");
      processes.add(pb.start());
    }
    long cpuNanos = 0;
    long maxRss = 0;
    for (int t = 0; t < threads; t++) {
      if (processes.get(t).waitFor() != 0) {
        throw new IllegalStateException(
            "vipsthumbnail failed: " + Files.readString(timeFiles.get(t)));
      }
      String[] f = Files.readString(timeFiles.get(t)).strip().split("\\s+");
      String[] last = Arrays.copyOfRange(f, f.length - 3, f.length);
      cpuNanos += (long) ((Double.parseDouble(last[0]) + Double.parseDouble(last[1])) * 1e9);
      maxRss = Math.max(maxRss, Long.parseLong(last[2]));
    }
    return new long[] {cpuNanos, maxRss};
  }

  // ---- report ----

  static String report(Options options, List<Result> results, Map<String, Long> peakRssKb) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        "\n"
            + "| width | threads | engine | thumbs/s | thumbs per CPU-s | thumbs/s vs"
            + " vipsthumbnail-startup |\n");
    sb.append("|---|---|---|---|---|---|\n");
    for (int width : options.widths()) {
      for (int threads : options.threads()) {
        Result base = find(results, VIPSTHUMBNAIL_NET, width, threads);
        List<String> rows = new ArrayList<>(options.engines());
        if (rows.contains(VIPSTHUMBNAIL)) {
          rows.add(rows.indexOf(VIPSTHUMBNAIL) + 1, VIPSTHUMBNAIL_NET);
        }
        for (String engine : rows) {
          Result r = find(results, engine, width, threads);
          if (r == null) {
            continue;
          }
          String ratio =
              base == null
                  ? "-"
                  : String.format(Locale.ROOT, "%.2fx", r.perSecond() / base.perSecond());
          sb.append(
              String.format(
                  Locale.ROOT,
                  "| %d | %d | %s | %.1f | %.1f | %s |%n",
                  width,
                  threads,
                  engine,
                  r.perSecond(),
                  r.perCpuSecond(),
                  ratio));
        }
      }
    }
    sb.append("\nPeak RSS (MB):");
    peakRssKb.forEach(
        (engine, kb) -> sb.append(String.format(Locale.ROOT, " %s %.0f;", engine, kb / 1024.0)));
    sb.append('\n');
    return sb.toString();
  }

  private static @Nullable Result find(
      List<Result> results, String engine, int width, int threads) {
    return results.stream()
        .filter(r -> r.engine().equals(engine) && r.width() == width && r.threads() == threads)
        .findFirst()
        .orElse(null);
  }
}
