package io.imgcdn.shard.store;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;

/**
 * CPU time per cold hit (the value's table file dropped from the page cache, no block cache)
 * against a warm one, for each {@link ReadMode}, 60 KiB values, reads from 4 store threads, keys in
 * random order. The page cache is dropped per file with {@code dd iflag=nocache count=0}
 * (POSIX_FADV_DONTNEED).
 *
 * <p>Run: {@code ./mvnw -B -q -pl shard-cache test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.imgcdn.shard.store.ColdReadCost} (the store goes under java.io.tmpdir: not
 * tmpfs).
 */
final class ColdReadCost {
  private static final int OBJECTS = 2_000;
  private static final int SIZE = 61_440;

  public static void main(String[] args) throws Exception {
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    Path dir = Files.createTempDirectory("cold-read-cost");
    byte[] body = new byte[SIZE];
    new SplittableRandom(1).nextBytes(body);
    try (ShardStore store = ShardStore.open(new StoreConfig(dir, 512L << 20, 4, 4096))) {
      for (int i = 0; i < OBJECTS; i++) {
        store.put("k" + i, new StoredObject("image/jpeg", "\"e\"", "", "public", 1, body)).join();
      }
      store.flush();
    }
    System.out.println("| reads | round | cold CPU us/hit | warm CPU us/hit | cold wall ms |");
    System.out.println("|---|---|---|---|---|");
    for (int round = 1; round <= 3; round++) {
      for (ReadMode mode :
          List.of(ReadMode.PREAD, ReadMode.MMAP, ReadMode.DIRECT)) { // AUTO is one of them
        StoreConfig config = new StoreConfig(dir, 512L << 20, 4, 4096, 0, mode, 4);
        try (ShardStore store = ShardStore.open(config)) {
          dropPageCache(dir);
          long cpu = os.getProcessCpuTime();
          long wall = System.nanoTime();
          readAll(store, round);
          double cold = (os.getProcessCpuTime() - cpu) / 1000.0 / OBJECTS;
          double coldWall = (System.nanoTime() - wall) / 1e6;
          cpu = os.getProcessCpuTime();
          readAll(store, round + 10);
          double warm = (os.getProcessCpuTime() - cpu) / 1000.0 / OBJECTS;
          System.out.printf(
              Locale.ROOT, "| %s | %d | %.0f | %.0f | %.0f |%n", mode, round, cold, warm, coldWall);
        }
      }
    }
  }

  private static void readAll(ShardStore store, long seed) {
    int[] order = new SplittableRandom(seed).ints(0, OBJECTS).distinct().limit(OBJECTS).toArray();
    List<CompletableFuture<?>> pending = new ArrayList<>();
    ConcurrentLinkedQueue<ByteBuffer> buffers = new ConcurrentLinkedQueue<>();
    for (int i : order) {
      // Reused buffers: fresh direct memory per read would charge page zeroing to the reads.
      ByteBuffer[] held = new ByteBuffer[1];
      pending.add(
          store
              .find(
                  "k" + i,
                  n -> {
                    ByteBuffer b = buffers.poll();
                    held[0] =
                        b != null && b.capacity() >= n
                            ? b
                            : ByteBuffer.allocateDirect(Math.max(n, 2 * SIZE));
                    return held[0].clear();
                  },
                  b -> {})
              .thenAccept(
                  o -> {
                    if (o.isEmpty()) {
                      throw new IllegalStateException("k" + i + " missing");
                    }
                    buffers.add(held[0]);
                  }));
      if (pending.size() >= 32) {
        pending.removeFirst().join();
      }
    }
    pending.forEach(CompletableFuture::join);
  }

  private static void dropPageCache(Path dir) throws Exception {
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        new ProcessBuilder("dd", "if=" + f, "iflag=nocache", "count=0", "status=none")
            .inheritIO()
            .start()
            .waitFor();
      }
    }
  }
}
