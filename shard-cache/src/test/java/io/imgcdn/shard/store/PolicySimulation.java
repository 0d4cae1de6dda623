package io.imgcdn.shard.store;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Byte hit ratio of the shard's eviction policy against plain FIFO and LRU on a Zipf trace,
 * simulated at object level (no RocksDB), with the store's own {@link FrequencySketch} and {@link
 * HotSetPolicy}.
 *
 * <p>Run: {@code ./mvnw -B -q -pl shard-cache test-compile exec:java -Dexec.classpathScope=test
 * -Dexec.mainClass=io.imgcdn.shard.store.PolicySimulation -Dexec.args="1000000 10000000"}.
 */
final class PolicySimulation {

  /** What one simulated policy achieved over the measured part of the trace. */
  record Result(
      String policy, double byteHitRatio, double objectHitRatio, double writtenPerRequestedByte) {}

  /** A cache under simulation. */
  interface Cache {
    /** Serves one request; true on a hit. Misses are filled (or refused) by the cache itself. */
    boolean request(int id, int size);

    long bytesWritten();
  }

  static Result run(String name, Cache cache, ZipfTrace trace, int requests, int warmup) {
    long requestedBytes = 0;
    long hitBytes = 0;
    long hits = 0;
    long writtenAtWarmup = 0;
    for (int i = 0; i < requests; i++) {
      int id = trace.next();
      int size = trace.sizes[id];
      boolean hit = cache.request(id, size);
      if (i == warmup) {
        writtenAtWarmup = cache.bytesWritten();
      }
      if (i >= warmup) {
        requestedBytes += size;
        if (hit) {
          hitBytes += size;
          hits++;
        }
      }
    }
    return new Result(
        name,
        (double) hitBytes / requestedBytes,
        (double) hits / (requests - warmup),
        (double) (cache.bytesWritten() - writtenAtWarmup) / requestedBytes);
  }

  /** Least recently used, bounded by bytes. */
  static final class Lru implements Cache {
    private final long capacity;
    private final LinkedHashMap<Integer, Integer> entries =
        new LinkedHashMap<>(1 << 16, 0.75f, true);
    private long used;
    private long written;

    Lru(long capacity) {
      this.capacity = capacity;
    }

    @Override
    public boolean request(int id, int size) {
      if (entries.get(id) != null) {
        return true;
      }
      if (size > capacity) {
        return false;
      }
      entries.put(id, size);
      used += size;
      written += size;
      var it = entries.entrySet().iterator();
      while (used > capacity) {
        Map.Entry<Integer, Integer> eldest = it.next();
        used -= eldest.getValue();
        it.remove();
      }
      return false;
    }

    @Override
    public long bytesWritten() {
      return written;
    }
  }

  /**
   * A log of appended records dropped oldest first (what RocksDB FIFO does, at record rather than
   * file granularity), with the store's admission and re-insertion decisions pluggable.
   */
  static final class Log implements Cache {
    private record Entry(int id, int size, long offset) {}

    private final long capacity;
    private final HotSetPolicy policy;
    private final ArrayDeque<Entry> log = new ArrayDeque<>();
    private final HashMap<Integer, Long> live = new HashMap<>();
    private long head;
    private long tail;
    private long written;

    /**
     * @param policy null for plain FIFO (admit all, never re-insert)
     */
    Log(long capacity, HotSetPolicy policy) {
      this.capacity = capacity;
      this.policy = policy;
    }

    @Override
    public boolean request(int id, int size) {
      long keyHash = HotSetPolicy.spread(id);
      Long offset = live.get(id);
      if (policy != null) {
        policy.recordAccess(keyHash);
      }
      if (offset != null) {
        if (policy != null && policy.shouldReinsert(keyHash, offset - head, capacity)) {
          append(id, size);
        }
        return true;
      }
      if (size <= capacity && (policy == null || policy.shouldAdmit(keyHash))) {
        append(id, size);
      }
      return false;
    }

    private void append(int id, int size) {
      log.addLast(new Entry(id, size, tail));
      live.put(id, tail);
      tail += size;
      written += size;
      while (tail - head > capacity) {
        Entry oldest = log.pollFirst();
        head = log.isEmpty() ? tail : log.peekFirst().offset();
        if (live.get(oldest.id()) == oldest.offset()) {
          live.remove(oldest.id());
        }
      }
    }

    @Override
    public long bytesWritten() {
      return written;
    }
  }

  public static void main(String[] args) {
    if (args.length > 0 && args[0].equals("scan")) {
      scan(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Double.parseDouble(args[3]));
      return;
    }
    int objects = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    int requests = args.length > 1 ? Integer.parseInt(args[1]) : 10_000_000;
    double exponent = args.length > 2 ? Double.parseDouble(args[2]) : 0.9;
    long catalog = new ZipfTrace(objects, exponent, 42).totalBytes();
    System.out.printf(
        Locale.ROOT,
        "objects %d, requests %d (first 20%% warm-up), Zipf %.2f, catalog %.1f GiB, "
            + "mean object %.1f KiB%n",
        objects,
        requests,
        exponent,
        catalog / (double) (1L << 30),
        catalog / (double) objects / 1024);
    System.out.println(
        "| cache / catalog | policy | byte hit ratio | object hit ratio | bytes written / bytes"
            + " requested |");
    System.out.println("|---|---|---|---|---|");
    for (double fraction : new double[] {0.01, 0.05, 0.10, 0.20}) {
      long capacity = (long) (catalog * fraction);
      for (Result r : compare(objects, requests, exponent, capacity)) {
        System.out.printf(
            Locale.ROOT,
            "| %.0f%% | %s | %.4f | %.4f | %.3f |%n",
            fraction * 100,
            r.policy(),
            r.byteHitRatio(),
            r.objectHitRatio(),
            r.writtenPerRequestedByte());
      }
    }
  }

  /** Tries the policy's constants around the chosen ones at one cache size. */
  static void scan(int objects, int requests, double fraction) {
    long capacity = (long) (new ZipfTrace(objects, 0.9, 42).totalBytes() * fraction);
    long expectedItems = Math.max(16, capacity / (60 * 1024));
    for (double zone : new double[] {0.25, 0.5}) {
      for (int reinsertMin : new int[] {2}) {
        for (int admitMin : new int[] {0, 2, 3, 4, 5, 6}) {
          Result r =
              run(
                  "x",
                  new Log(capacity, new HotSetPolicy(expectedItems, zone, reinsertMin, admitMin)),
                  new ZipfTrace(objects, 0.9, 42),
                  requests,
                  requests / 5);
          System.out.printf(
              Locale.ROOT,
              "zone %.2f reinsertMin %d admitMin %d: bhr %.4f ohr %.4f written %.3f%n",
              zone,
              reinsertMin,
              admitMin,
              r.byteHitRatio(),
              r.objectHitRatio(),
              r.writtenPerRequestedByte());
        }
      }
    }
  }

  static java.util.List<Result> compare(int objects, int requests, double exponent, long capacity) {
    int warmup = requests / 5;
    long expectedItems = Math.max(16, capacity / (60 * 1024));
    return java.util.List.of(
        run(
            "FIFO",
            new Log(capacity, null),
            new ZipfTrace(objects, exponent, 42),
            requests,
            warmup),
        run("LRU", new Lru(capacity), new ZipfTrace(objects, exponent, 42), requests, warmup),
        run(
            "FIFO + re-insert",
            new Log(capacity, HotSetPolicy.reinsertOnly(expectedItems)),
            new ZipfTrace(objects, exponent, 42),
            requests,
            warmup),
        run(
            "FIFO + re-insert + admission (shard)",
            new Log(capacity, new HotSetPolicy(expectedItems)),
            new ZipfTrace(objects, exponent, 42),
            requests,
            warmup));
  }
}
