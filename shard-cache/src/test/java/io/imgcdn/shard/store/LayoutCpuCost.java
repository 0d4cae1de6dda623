package io.imgcdn.shard.store;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * CPU time per hit and per put of the two value layouts, same value sizes, rounds alternating
 * between the layouts. Process CPU time (all threads, RocksDB's included) is what a busy shared
 * machine distorts least; the JMH benchmark in the bench module gives throughput.
 *
 * <p>Run: {@code ./mvnw -B -q -pl shard-cache test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.imgcdn.shard.store.LayoutCpuCost}.
 */
final class LayoutCpuCost {

  private static final long DATA_BYTES = 160L << 20;
  private static final int ROUNDS = 5;

  public static void main(String[] args) throws Exception {
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    System.out.println(
        "| value bytes | op | TABLE_FILES CPU us/op | BLOB_FILES CPU us/op | BLOB / TABLE |");
    System.out.println("|---|---|---|---|---|");
    for (int size : new int[] {1024, 61_440, 1_048_576, 15_000_000}) {
      StoreLayout[] layouts = StoreLayout.values();
      Path[] dirs = new Path[layouts.length];
      ShardStore[] stores = new ShardStore[layouts.length];
      int objects = Math.clamp(DATA_BYTES / size, 8, 20_000);
      byte[] body = new byte[size];
      new SplittableRandom(1).nextBytes(body);
      StoredObject object = new StoredObject("image/jpeg", "\"e\"", "", "public", 1, body);
      double[] putCpu = new double[layouts.length];
      for (int l = 0; l < layouts.length; l++) {
        dirs[l] = Files.createTempDirectory("layout-cost");
        stores[l] = ShardStore.open(new StoreConfig(dirs[l], 1L << 30, 2, 1024), layouts[l]);
      }
      // Puts alternate between the layouts in batches, so JIT warm-up and machine load hit both
      // alike.
      int batch = Math.max(1, objects / 10);
      for (int from = 0; from < objects; from += batch) {
        for (int l = 0; l < layouts.length; l++) {
          long cpu = os.getProcessCpuTime();
          for (int i = from; i < Math.min(objects, from + batch); i++) {
            stores[l].put("k" + i, object).join();
          }
          putCpu[l] += os.getProcessCpuTime() - cpu;
        }
      }
      for (int l = 0; l < layouts.length; l++) {
        long cpu = os.getProcessCpuTime();
        stores[l].flush();
        putCpu[l] = (putCpu[l] + os.getProcessCpuTime() - cpu) / 1000.0 / objects;
      }
      int gets = Math.clamp((64L << 20) / size, 40, 20_000);
      double[][] hits = new double[layouts.length][ROUNDS];
      ByteBuffer target = ByteBuffer.allocateDirect(Math.min(size, ShardStore.CHUNK_BYTES) + 4096);
      for (int round = 0; round < ROUNDS + 1; round++) {
        for (int l = 0; l < layouts.length; l++) {
          SplittableRandom random = new SplittableRandom(round);
          long cpu = os.getProcessCpuTime();
          for (int i = 0; i < gets; i++) {
            hit(stores[l], "k" + random.nextInt(objects), target);
          }
          if (round > 0) { // round 0 warms up the JIT and the page cache
            hits[l][round - 1] = (os.getProcessCpuTime() - cpu) / 1000.0 / gets;
          }
        }
      }
      print(size, "put (incl. flush)", putCpu[0], putCpu[1]);
      print(size, "hit (find, readChunk)", median(hits[0]), median(hits[1]));
      for (int l = 0; l < layouts.length; l++) {
        stores[l].close();
        try (Stream<Path> files = Files.walk(dirs[l])) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
      }
    }
  }

  /**
   * A hit as the shard serves it: {@link ShardStore#find}, and for a body stored in chunks every
   * chunk with {@link ShardStore#readChunk}, each into {@code target} (reused).
   */
  private static void hit(ShardStore store, String key, ByteBuffer target) {
    StoreHit hit = store.find(key, n -> target.clear(), b -> {}).join().orElseThrow();
    if (hit instanceof ChunkedBody body) {
      for (int i = 0; i < body.chunkCount(); i++) {
        store.readChunk(body, i, n -> target.clear(), b -> {}).join();
      }
    }
  }

  private static void print(int size, String op, double table, double blob) {
    System.out.printf(
        Locale.ROOT, "| %d | %s | %.1f | %.1f | %.2f |%n", size, op, table, blob, blob / table);
  }

  private static double median(double[] values) {
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }
}
