package io.imgcdn.shard.store;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * CPU time per hit and per miss against the number of table files: FIFO keeps every file in L0, so
 * a lookup consults each file's bloom filter (newest first) until it finds the key.
 *
 * <p>Run: {@code ./mvnw -B -q -pl shard-cache test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.imgcdn.shard.store.L0FileCountCost}.
 */
final class L0FileCountCost {

  private static final int OBJECTS_PER_FILE = 20;
  private static final int LOOKUPS = 20_000;

  public static void main(String[] args) throws Exception {
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    System.out.println("| table files | hit CPU us/op | miss CPU us/op |");
    System.out.println("|---|---|---|");
    for (int files : new int[] {10, 100, 400, 1000}) {
      Path dir = Files.createTempDirectory("l0-cost");
      try (ShardStore store = ShardStore.open(new StoreConfig(dir, 4L << 30, 2, 1024))) {
        byte[] body = new byte[4096];
        new SplittableRandom(1).nextBytes(body);
        StoredObject object = new StoredObject("image/jpeg", "\"e\"", "", "public", 1, body);
        int objects = files * OBJECTS_PER_FILE;
        for (int i = 0; i < objects; i++) {
          store.put("k" + i, object).join();
          if ((i + 1) % OBJECTS_PER_FILE == 0) {
            store.flush();
          }
        }
        ByteBuffer target = ByteBuffer.allocateDirect(64 << 10);
        IntFunction<ByteBuffer> reused = n -> target.clear();
        double hit = Double.MAX_VALUE;
        double miss = Double.MAX_VALUE;
        for (int round = 0; round < 4; round++) {
          SplittableRandom random = new SplittableRandom(round);
          long start = os.getProcessCpuTime();
          for (int i = 0; i < LOOKUPS; i++) {
            var _ = store.find("k" + random.nextInt(objects), reused, b -> {}).join().orElseThrow();
          }
          long middle = os.getProcessCpuTime();
          for (int i = 0; i < LOOKUPS; i++) {
            if (store.find("absent" + random.nextInt(), reused, b -> {}).join().isPresent()) {
              throw new AssertionError();
            }
          }
          long end = os.getProcessCpuTime();
          if (round > 0) {
            hit = Math.min(hit, (middle - start) / 1000.0 / LOOKUPS);
            miss = Math.min(miss, (end - middle) / 1000.0 / LOOKUPS);
          }
        }
        System.out.printf(Locale.ROOT, "| %d | %.1f | %.1f |%n", files, hit, miss);
      } finally {
        try (Stream<Path> paths = Files.walk(dir)) {
          paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }
}
