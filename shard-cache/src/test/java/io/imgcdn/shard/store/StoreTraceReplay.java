package io.imgcdn.shard.store;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.IntFunction;
import java.util.stream.Stream;

/**
 * Replays a Zipf trace against a real ShardStore (RocksDB in a temporary directory): get, and on a
 * miss offer the object, as the shard's fill path does. Prints byte hit ratio and write
 * amplification for plain FIFO (admit all, no re-insertion) and the store's policy, same trace,
 * same run.
 *
 * <p>Run: {@code ./mvnw -B -q -pl shard-cache test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.imgcdn.shard.store.StoreTraceReplay -Dexec.args="10000 100000 64"} (objects,
 * requests, store MiB).
 */
final class StoreTraceReplay {

  public static void main(String[] args) throws Exception {
    int objects = Integer.parseInt(args[0]);
    int requests = Integer.parseInt(args[1]);
    long maxBytes = Long.parseLong(args[2]) << 20;
    byte[] pool = new byte[16 << 20];
    new SplittableRandom(5).nextBytes(pool);
    long catalog = new ZipfTrace(objects, 0.9, 42).totalBytes();
    long tableBytes = StoreBudget.forData(maxBytes).tableFilesBytes();
    System.out.printf(
        Locale.ROOT,
        "objects %d, requests %d (first 20%% warm-up), catalog %.0f MiB, store bound %d MiB "
            + "(data files %.0f MiB = %.1f%% of catalog)%n",
        objects,
        requests,
        catalog / 1048576.0,
        maxBytes >> 20,
        tableBytes / 1048576.0,
        100.0 * tableBytes / catalog);
    System.out.println(
        "| policy | byte hit ratio | disk bytes written / bytes admitted | disk bytes written /"
            + " bytes requested | max disk usage / bound | writes refused at the bound |");
    System.out.println("|---|---|---|---|---|---|");
    replay(
        "plain FIFO",
        new HotSetPolicy(16, 0, Integer.MAX_VALUE, 0),
        objects,
        requests,
        maxBytes,
        pool);
    replay("shard policy", null, objects, requests, maxBytes, pool);
  }

  private static void replay(
      String name, HotSetPolicy policy, int objects, int requests, long maxBytes, byte[] pool)
      throws Exception {
    Path dir = Files.createTempDirectory("shard-replay");
    ZipfTrace trace = new ZipfTrace(objects, 0.9, 42);
    int warmup = requests / 5;
    long requested = 0;
    long hitBytes = 0;
    long maxUsage = 0;
    StoreStats atWarmup = null;
    // A hit's buffer, reused: the replay counts hits, it does not keep them.
    ByteBuffer buffer = ByteBuffer.allocateDirect(ShardStore.CHUNK_BYTES + (64 << 10));
    IntFunction<ByteBuffer> reused =
        n -> n <= buffer.capacity() ? buffer.clear() : ByteBuffer.allocateDirect(n);
    try (ShardStore store =
        ShardStore.open(new StoreConfig(dir, maxBytes, 2, 64), StoreLayout.TABLE_FILES, policy)) {
      for (int i = 0; i < requests; i++) {
        if (i == warmup) {
          atWarmup = store.stats();
        }
        int id = trace.next();
        int size = trace.sizes[id];
        boolean hit = store.find("o/" + id, reused, b -> {}).join().isPresent();
        if (!hit) {
          byte[] body = new byte[size];
          System.arraycopy(pool, id % 1024, body, 0, Math.min(size, pool.length - 1024));
          store
              .offer(
                  "o/" + id,
                  new StoredObject("image/jpeg", "\"" + id + "\"", "", "public", id, body))
              .join();
        }
        if (i >= warmup) {
          requested += size;
          hitBytes += hit ? size : 0;
        }
        if (i % 100 == 0) {
          maxUsage = Math.max(maxUsage, store.diskUsageBytes());
        }
      }
      StoreStats end = store.stats();
      long written = end.diskBytesWritten() - atWarmup.diskBytesWritten();
      long admitted = end.bytesAdmitted() - atWarmup.bytesAdmitted();
      System.out.printf(
          Locale.ROOT,
          "| %s | %.4f | %.2f | %.3f | %.2f | %d |%n",
          name,
          (double) hitBytes / requested,
          (double) written / admitted,
          (double) written / requested,
          (double) maxUsage / maxBytes,
          end.boundRefusals());
    } finally {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
