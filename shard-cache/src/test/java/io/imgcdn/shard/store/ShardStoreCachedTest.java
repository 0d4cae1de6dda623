package io.imgcdn.shard.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link ShardStore#getCached}: answers from memory only, on the caller's thread. */
class ShardStoreCachedTest {
  private static final long MIB = 1L << 20;

  @TempDir Path dir;

  /** Allocates heap-free direct buffers and remembers what was given back. */
  private static final class Buffers {
    final List<ByteBuffer> allocated = new ArrayList<>();
    final List<ByteBuffer> released = new ArrayList<>();

    ByteBuffer allocate(int n) {
      ByteBuffer b = ByteBuffer.allocateDirect(n);
      allocated.add(b);
      return b;
    }
  }

  private static StoredObject object(int size, long seed) {
    byte[] body = new byte[size];
    new Random(seed).nextBytes(body);
    return new StoredObject(
        "image/jpeg", "\"" + seed + "\"", "", "public", 1_700_000_000_000L, body);
  }

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  private StoreConfig withBlockCache(ReadMode reads) {
    return new StoreConfig(
        dir.resolve("db"),
        64 * MIB,
        1,
        8,
        StoreConfig.DEFAULT_BLOCK_CACHE,
        reads,
        StoreConfig.DEFAULT_ADMIT_MIN_REQUESTS);
  }

  @Test
  void getCached_inMemtableThenInBlockCache_answersWithoutThePool() throws Exception {
    try (ShardStore store = ShardStore.open(withBlockCache(ReadMode.PREAD))) {
      StoredObject object = object(60_000, 1);
      store.put("k", object).join();
      Buffers buffers = new Buffers();

      Optional<DirectObject> fromMemtable =
          store.getCached("k", buffers::allocate, buffers.released::add);
      assertThat(fromMemtable).isPresent();
      assertThat(bytes(fromMemtable.get().body())).isEqualTo(object.body());
      assertThat(fromMemtable.get().etag()).isEqualTo("\"1\"");

      store.flush(); // now only in a table file: the first read goes to the file (pool), and fills
      // the block cache
      assertThat(store.find("k", buffers::allocate, buffers.released::add).join()).isPresent();
      Optional<DirectObject> fromBlockCache =
          store.getCached("k", buffers::allocate, buffers.released::add);
      assertThat(fromBlockCache).isPresent();
      assertThat(bytes(fromBlockCache.get().body())).isEqualTo(object.body());

      assertThat(store.getCached("absent", buffers::allocate, buffers.released::add)).isEmpty();
      StoreStats stats = store.stats();
      assertThat(stats.hits()).isEqualTo(3);
      assertThat(stats.memoryHits()).isEqualTo(2);
      assertThat(stats.misses()).as("an empty getCached counts nothing").isZero();
      assertThat(buffers.released).isEmpty();
    }
  }

  @Test
  void getCached_mmapReadsValueInTableFile_leftToThePool() throws Exception {
    // RocksDB does not copy blocks read through mmap into the block cache: such hits always take
    // the pool.
    try (ShardStore store = ShardStore.open(withBlockCache(ReadMode.MMAP))) {
      store.put("k", object(60_000, 7)).join();
      store.flush();
      Buffers buffers = new Buffers();

      assertThat(store.find("k", buffers::allocate, buffers.released::add).join()).isPresent();
      assertThat(store.getCached("k", buffers::allocate, buffers.released::add)).isEmpty();
      assertThat(store.stats().memoryHits()).isZero();
    }
  }

  @Test
  void getCached_noBlockCacheValueOnlyInTableFile_emptyAndNothingAllocated() throws Exception {
    StoreConfig config =
        new StoreConfig(
            dir.resolve("db"),
            64 * MIB,
            1,
            8,
            0,
            ReadMode.MMAP,
            StoreConfig.DEFAULT_ADMIT_MIN_REQUESTS);
    try (ShardStore store = ShardStore.open(config)) {
      store.put("k", object(60_000, 2)).join();
      store.flush();
      Buffers buffers = new Buffers();

      assertThat(store.find("k", buffers::allocate, buffers.released::add).join()).isPresent();
      int allocatedByPool = buffers.allocated.size();
      assertThat(store.getCached("k", buffers::allocate, buffers.released::add))
          .as("a file read would be needed: not answered on the caller's thread")
          .isEmpty();
      assertThat(buffers.allocated).hasSize(allocatedByPool);
      assertThat(store.stats().memoryHits()).isZero();
    }
  }

  @Test
  void getCached_hintedValueOnlyInTableFile_emptyAndTheLeasedBufferReleased() throws Exception {
    try (ShardStore store = ShardStore.open(withBlockCache(ReadMode.PREAD))) {
      store.put("k", object(60_000, 8)).join(); // the put leaves a size hint
      store.flush(); // in a table file, not (yet) in the block cache
      Buffers buffers = new Buffers();

      assertThat(store.getCached("k", buffers::allocate, buffers.released::add)).isEmpty();
      assertThat(buffers.allocated).hasSize(1);
      assertThat(buffers.released).hasSize(1);
      assertThat(store.stats().memoryHits()).isZero();
    }
  }

  @Test
  void getCached_corruptValueOfTheHintedSize_emptyReleasedThenCountedByFind() throws Exception {
    try (ShardStore store = ShardStore.open(withBlockCache(ReadMode.PREAD))) {
      StoredObject object = object(60_000, 9);
      store.put("k", object).join();
      byte[] corrupt = ValueCodec.encode(object, 0);
      corrupt[corrupt.length - 1] ^= 0x01; // same size, last body byte flipped, in the memtable
      store.putRaw("k", corrupt);
      Buffers buffers = new Buffers();

      assertThat(store.getCached("k", buffers::allocate, buffers.released::add)).isEmpty();
      assertThat(buffers.released).hasSize(1);
      assertThat(store.find("k", buffers::allocate, buffers.released::add).join()).isEmpty();
      assertThat(buffers.released).hasSameSizeAs(buffers.allocated);
      assertThat(store.stats().checksumFailures()).isEqualTo(1);
      assertThat(store.stats().hits()).isZero();
    }
  }

  @Test
  void getCached_chunkedBody_leftToThePool() throws Exception {
    try (ShardStore store = ShardStore.open(new StoreConfig(dir.resolve("db"), 128 * MIB, 1, 8))) {
      store.put("big", object(3 * (1 << 20) + 5, 3)).join();
      Buffers buffers = new Buffers();

      assertThat(store.getCached("big", buffers::allocate, buffers.released::add)).isEmpty();
      assertThat(buffers.allocated).isEmpty();
      assertThat(store.find("big", buffers::allocate, buffers.released::add).join())
          .containsInstanceOf(ChunkedBody.class);
    }
  }

  @Test
  void getCached_afterClose_emptyWithoutTouchingRocksDb() throws Exception {
    ShardStore store = ShardStore.open(new StoreConfig(dir.resolve("db"), 64 * MIB, 1, 8));
    store.put("k", object(100, 4)).join();
    store.close();
    Buffers buffers = new Buffers();

    assertThat(store.getCached("k", buffers::allocate, buffers.released::add)).isEmpty();
    assertThat(buffers.allocated).isEmpty();
  }

  @Test
  void offer_admitMinRequestsOne_storesOnTheFirstRequest() throws Exception {
    StoreConfig config =
        new StoreConfig(
            dir.resolve("db"), 64 * MIB, 1, 8, StoreConfig.DEFAULT_BLOCK_CACHE, ReadMode.MMAP, 1);
    try (ShardStore store = ShardStore.open(config)) {
      assertThat(store.find("k", ByteBuffer::allocateDirect, b -> {}).join()).isEmpty();
      assertThat(store.offer("k", object(100, 5)).join()).isTrue();
      assertThat(store.offer("never-asked", object(100, 6)).join()).isFalse();
    }
  }
}
