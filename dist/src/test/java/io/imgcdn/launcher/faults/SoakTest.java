package io.imgcdn.launcher.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.testing.NettyLeakWatch;
import io.imgcdn.launcher.faults.ResourceSampler.Sample;
import io.imgcdn.launcher.faults.ZipfLoad.Outcome;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9, soak: a steady Zipf load on a whole cluster in this JVM for {@code -Dsoak.minutes} (0.4
 * in the normal suite), sampling heap after GC, direct memory, open file descriptors and threads;
 * no request may fail, nothing may keep growing, and Netty must report no leaked buffer.
 */
class SoakTest {
  /*
   * The cluster: embedded S3, origin, 3 shards and the edge in this JVM, so the samples cover every node
   * (and the load's own clients, which are steady). Sizes are small on purpose so every cache is full
   * early and then works at its bound: edge memory 4 MB, origin's recent originals 4 MB, shards 16 MB
   * each (about 10 MB of table files) under 1000 originals of ~42 KB on average (~42 MB), so the shards
   * evict and refill all along. One request in 25 is a variant (w150 or sq240 of 16 JPEGs), so the image
   * pool runs too.
   * The check: the first 6000 requests are warm-up, not sampled (JIT, caches and Netty's buffer arenas
   * filling; counted in requests rather than seconds, so a slow, shared machine warms up as far). Then
   * samples are taken for soak.minutes, and the median of the last third must not exceed the median of
   * the first third by more than the tolerance:
   * heap after GC 20% + 8 MB, direct memory 8 MB, file descriptors 16 (RocksDB keeps its table files open
   * and FIFO replaces them), threads 16 (pools that grow under a burst and shrink when idle: the HTTP
   * clients' executors, S3Proxy's Jetty, the SDK's response threads; a 10-minute run on the loaded
   * machine moved between 136 and 146). A leak of one buffer, connection or thread per request would
   * exceed these within seconds at this rate.
   * Longer: ./mvnw -B -q -pl dist verify -Dtest='SoakTest' -Dsoak.minutes=10
   */
  private static final int ORIGINALS = 1000;
  private static final int WARMUP_REQUESTS = 6_000;
  private static final int IMAGES = 16;
  private static final String[] PRESETS = {"w150", "sq240"};

  @TempDir Path dir;
  FaultCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void steadyZipfLoad_noErrorsNoGrowthNoLeaks() throws Exception {
    double minutes = Double.parseDouble(System.getProperty("soak.minutes", "0.4"));
    Duration duration = Duration.ofMillis((long) (minutes * 60_000));
    Duration interval = Duration.ofMillis(Math.max(1_000, duration.toMillis() / 60));
    cluster =
        FaultCluster.start(
            dir,
            FaultCluster.Options.inProcess(3)
                .edgeCacheBytes(4 << 20)
                .shardStoreBytes(16L << 20)
                .settings(Map.of("origin.originals-cache-bytes", "4m")));
    ObjectSet originals = ObjectSet.put(cluster.s3(), "o", ORIGINALS, 99, 4 * 1024, 80 * 1024);
    for (int i = 0; i < IMAGES; i++) {
      cluster.s3().put("img/s" + i + ".jpg", jpeg(i), "image/jpeg");
    }
    ZipfLoad.Keys keys =
        new ZipfLoad.Keys() {
          @Override
          public int size() {
            return ORIGINALS;
          }

          @Override
          public String path(int key) {
            return key % 25 == 7
                ? "/v/" + PRESETS[key / 25 % PRESETS.length] + "/img/s" + key / 25 % IMAGES + ".jpg"
                : originals.path(key);
          }

          @Override
          public long crc(int key) {
            return key % 25 == 7 ? -1 : originals.crc(key);
          }
        };

    List<Sample> samples = new ArrayList<>();
    long requests;
    long failed;
    List<Outcome> failures;
    List<String> leaks;
    long warmupRequests;
    Map<String, Integer> threadsBefore;
    Map<String, Integer> threadsAfter;
    try (NettyLeakWatch leakWatch = new NettyLeakWatch();
        ZipfLoad load =
            new ZipfLoad(cluster.edgeUrl(), keys, 0.9, 8, Long.MAX_VALUE, Duration.ofSeconds(30))
                .keepOnlyFailures()) {
      load.start();
      assertThat(load.awaitRequests(WARMUP_REQUESTS, Duration.ofMinutes(3))).as("warm-up").isTrue();
      warmupRequests = load.completed();
      ResourceSampler sampler = new ResourceSampler();
      samples.add(sampler.sample());
      threadsBefore = ResourceSampler.threadsByName();
      long end = System.nanoTime() + duration.toNanos();
      long next = System.nanoTime();
      while (System.nanoTime() < end) {
        next += interval.toNanos();
        // Pacing the samples, not synchronising with anything: the load runs on its own threads.
        TimeUnit.NANOSECONDS.sleep(Math.max(0, next - System.nanoTime()));
        samples.add(sampler.sample());
      }
      threadsAfter = ResourceSampler.threadsByName();
      failures = load.stop();
      requests = load.completed();
      failed = load.failedCount();
      leaks = leakWatch.leaks();
    }

    double evictions = 0;
    for (FaultCluster.NodeHandle shard : cluster.shards()) {
      evictions +=
          FaultCluster.metric(cluster.metrics(shard.adminPort()), "imgcdn_cache_evictions_total");
    }
    List<Sample> steady = samples;
    int third = Math.max(1, steady.size() / 3);
    List<Sample> first = steady.subList(0, third);
    List<Sample> last = steady.subList(steady.size() - third, steady.size());
    System.out.printf(
        Locale.ROOT,
        "FAULTS soak: %d warm-up requests, then %.1f min of %d requests (%.0f/s); %d "
            + "failed; %.0f objects evicted by the shards; samples every %d s:%n%s%n",
        warmupRequests,
        minutes,
        requests - warmupRequests,
        (requests - warmupRequests) / (duration.toMillis() / 1e3),
        failed,
        evictions,
        interval.toSeconds(),
        ResourceSampler.HEADER);
    int every = Math.max(1, samples.size() / 20);
    for (int i = 0; i < samples.size(); i++) {
      if (i % every == 0 || i == samples.size() - 1) {
        System.out.println(samples.get(i).row());
      }
    }
    System.out.printf(
        Locale.ROOT,
        "FAULTS soak: steady medians first third -> last third: heap %.1f -> %.1f MB, "
            + "direct %.1f -> %.1f MB, fds %d -> %d, threads %d -> %d%n",
        median(first, Sample::heapAfterGc) / 1048576.0,
        median(last, Sample::heapAfterGc) / 1048576.0,
        median(first, Sample::direct) / 1048576.0,
        median(last, Sample::direct) / 1048576.0,
        median(first, Sample::fds),
        median(last, Sample::fds),
        median(first, Sample::threads),
        median(last, Sample::threads));
    System.out.println(
        "FAULTS soak: threads by name, first sample -> last: "
            + ResourceSampler.threadChanges(threadsBefore, threadsAfter));
    failures.stream().limit(10).forEach(o -> System.out.println("FAULTS soak failure: " + o));

    assertThat(requests).isPositive();
    assertThat(failed).as("failed requests: %s", failures).isZero();
    assertThat(leaks).as("Netty leak reports").isEmpty();
    assertThat(steady).hasSizeGreaterThanOrEqualTo(3);
    assertThat(median(last, Sample::heapAfterGc))
        .as("heap after GC")
        .isLessThanOrEqualTo((long) (median(first, Sample::heapAfterGc) * 1.2) + (8 << 20));
    assertThat(median(last, Sample::direct))
        .as("direct memory")
        .isLessThanOrEqualTo(median(first, Sample::direct) + (8 << 20));
    assertThat(median(last, Sample::fds))
        .as("open file descriptors")
        .isLessThanOrEqualTo(median(first, Sample::fds) + 16);
    assertThat(median(last, Sample::threads))
        .as("threads")
        .isLessThanOrEqualTo(median(first, Sample::threads) + 16);
  }

  private static long median(List<Sample> samples, ToLongFunction<Sample> value) {
    long[] v = samples.stream().mapToLong(value).sorted().toArray();
    return v.length == 0 ? 0 : v[v.length / 2];
  }

  private static byte[] jpeg(int seed) throws Exception {
    BufferedImage img = new BufferedImage(800, 600, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    for (int i = 0; i < 12; i++) {
      g.setColor(new Color((seed * 53 + i * 29) % 256, (seed * 17 + i * 71) % 256, (i * 41) % 256));
      g.fillRect(i * 60, i * 40, 300, 200);
    }
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "jpg", out);
    return out.toByteArray();
  }
}
