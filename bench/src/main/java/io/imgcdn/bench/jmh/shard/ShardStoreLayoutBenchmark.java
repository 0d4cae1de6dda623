package io.imgcdn.bench.jmh.shard;

import io.imgcdn.shard.store.ChunkedBody;
import io.imgcdn.shard.store.ShardStore;
import io.imgcdn.shard.store.StoreConfig;
import io.imgcdn.shard.store.StoreHit;
import io.imgcdn.shard.store.StoreLayout;
import io.imgcdn.shard.store.StoredObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Shard store hits and writes by value layout (values inline in table files vs BlobDB blob files)
 * and value size, warm page cache. Each get goes through the store's pool, as the server's does.
 *
 * <p>Run (after installing shard-cache):
 *
 * {@snippet lang="shell" :
 * java --enable-native-access=ALL-UNNAMED -cp bench/target/classes:$(cat cp.txt) org.openjdk.jmh.Main ShardStoreLayoutBenchmark
 * }
 *
 * or see bench/results/2026-11-shard-store.md for the exact command used.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 2)
@Threads(1)
public class ShardStoreLayoutBenchmark {

  private static final long STORE_BYTES = 1L << 30;
  private static final long DATA_BYTES = 192L << 20;

  @Param({"TABLE_FILES", "BLOB_FILES"})
  public StoreLayout layout;

  @Param({"1024", "61440", "1048576", "15000000"})
  public int valueBytes;

  private Path directory;
  private ShardStore store;
  private int objects;
  private SplittableRandom random;
  private ByteBuffer target;
  private StoredObject template;
  private long putCounter;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    directory = Files.createTempDirectory("shard-layout-bench");
    store = ShardStore.open(new StoreConfig(directory, STORE_BYTES, 2, 1024), layout);
    objects = Math.clamp(DATA_BYTES / valueBytes, 8, 20_000);
    byte[] body = new byte[valueBytes];
    new SplittableRandom(1).nextBytes(body);
    template = new StoredObject("image/jpeg", "\"e\"", "", "public, max-age=31536000", 1, body);
    for (int i = 0; i < objects; i++) {
      store.put("v/w600/" + i + ".jpg", template).join();
    }
    random = new SplittableRandom(2);
    target = ByteBuffer.allocateDirect(valueBytes + 4096);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    store.close();
    try (Stream<Path> files = Files.walk(directory)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  /**
   * A hit as the shard serves it, into a reused direct buffer: {@link ShardStore#find}, and for a
   * body stored in chunks (over 1 MiB) every chunk with {@link ShardStore#readChunk}.
   */
  @Benchmark
  public int find() {
    StoreHit hit =
        store
            .find("v/w600/" + random.nextInt(objects) + ".jpg", size -> target.clear(), b -> {})
            .join()
            .orElseThrow();
    if (hit instanceof ChunkedBody body) {
      for (int i = 0; i < body.chunkCount(); i++) {
        store.readChunk(body, i, size -> target.clear(), b -> {}).join();
      }
    }
    return hit.bodyLength();
  }

  /** A write of a new key (the store evicts its oldest files as it fills). */
  @Benchmark
  public void put() {
    store.put("new/" + putCounter++, template).join();
  }
}
