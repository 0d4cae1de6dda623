package io.imgcdn.shard.store;

import static io.imgcdn.shard.store.TestObjects.bytes;
import static io.imgcdn.shard.store.TestObjects.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bodies above 1 MiB are stored in chunks: found without reading them, read chunk by chunk. */
class ShardStoreChunkTest {

  private static final long MIB = 1L << 20;

  @TempDir Path dir;

  private static StoredObject object(int size, long seed) {
    byte[] body = new byte[size];
    new Random(seed).nextBytes(body);
    return new StoredObject(
        "image/jpeg", "\"" + seed + "\"", TestObjects.LAST_MODIFIED, "public", seed, body);
  }

  private ShardStore open() throws Exception {
    return ShardStore.open(new StoreConfig(dir.resolve("db"), 256 * MIB, 2, 64));
  }

  @Test
  void readChunk_bodyOfSeveralChunks_roundTripsAndSurvivesReopen() throws Exception {
    StoredObject large = object(5 * 1024 * 1024 + 123, 1);
    try (ShardStore store = open()) {
      store.put("big.jpg", large).join();

      assertThat(read(store, "big.jpg").orElseThrow().body()).isEqualTo(large.body());
      assertThat(store.stats().bytesAdmitted()).isGreaterThan(large.body().length);
    }
    try (ShardStore store = open()) {
      StoredObject got = read(store, "big.jpg").orElseThrow();
      assertThat(got.body()).isEqualTo(large.body());
      assertThat(got.etag()).isEqualTo(large.etag());
      assertThat(got.lastModified()).isEqualTo(large.lastModified());
      assertThat(store.verifyAll()).isEqualTo(new Verification.ScanResult(1, 0));
    }
  }

  @Test
  void readChunk_chunkedBody_fillsCallerBuffersWithExactChunks() throws Exception {
    StoredObject large = object(3 * 1024 * 1024 + 7, 2);
    try (ShardStore store = open()) {
      store.put("big.jpg", large).join();
      List<Integer> sizes = new ArrayList<>();
      IntFunction<ByteBuffer> allocate =
          n -> {
            sizes.add(n);
            return ByteBuffer.allocateDirect(n);
          };

      ChunkedBody got = (ChunkedBody) store.find("big.jpg", allocate, b -> {}).join().orElseThrow();
      ByteBuffer body = ByteBuffer.allocate(got.bodyLength());
      for (int i = 0; i < got.chunkCount(); i++) {
        body.put(store.readChunk(got, i, allocate, b -> {}).join());
      }

      int prefix = ValueCodec.CHUNK_PREFIX_BYTES;
      assertThat(sizes)
          .containsExactly(
              prefix + ShardStore.CHUNK_BYTES,
              prefix + ShardStore.CHUNK_BYTES,
              prefix + ShardStore.CHUNK_BYTES,
              prefix + 7);
      assertThat(body.array()).isEqualTo(large.body());
    }
  }

  @Test
  void readChunk_rangeAcrossChunkBoundaryAndAtTheEnd_readsOnlyThoseChunksAndExactBytes()
      throws Exception {
    StoredObject large = object(3 * 1024 * 1024 + 10, 3);
    StoredObject small = object(5000, 4);
    try (ShardStore store = open()) {
      store.put("big", large).join();
      store.put("small", small).join();
      int boundary = ShardStore.CHUNK_BYTES;
      ChunkedBody big =
          (ChunkedBody) store.find("big", ByteBuffer::allocateDirect, b -> {}).join().orElseThrow();
      List<Integer> chunksRead = new ArrayList<>();

      byte[] across = range(store, big, boundary - 100, 300, chunksRead);
      List<Integer> acrossChunks = List.copyOf(chunksRead);
      chunksRead.clear();
      byte[] tail = range(store, big, large.body().length - 5, 100, chunksRead);
      List<Integer> tailChunks = List.copyOf(chunksRead);
      chunksRead.clear();
      byte[] beyond = range(store, big, large.body().length, 10, chunksRead);
      DirectObject smallHit =
          (DirectObject)
              store.find("small", ByteBuffer::allocateDirect, b -> {}).join().orElseThrow();

      assertThat(across)
          .isEqualTo(Arrays.copyOfRange(large.body(), boundary - 100, boundary + 200));
      assertThat(acrossChunks).containsExactly(0, 1);
      assertThat(big.bodyLength()).isEqualTo(large.body().length);
      assertThat(big.etag()).isEqualTo(large.etag());
      assertThat(tail)
          .isEqualTo(
              Arrays.copyOfRange(large.body(), large.body().length - 5, large.body().length));
      assertThat(tailChunks).containsExactly(3);
      assertThat(beyond).isEmpty();
      assertThat(chunksRead).as("nothing read beyond the end").isEmpty();
      assertThat(bytes(smallHit.body().slice(10, 20)))
          .isEqualTo(Arrays.copyOfRange(small.body(), 10, 30));
      assertThat(store.find("none", ByteBuffer::allocateDirect, b -> {}).join()).isEmpty();
    }
  }

  /**
   * {@code length} body bytes from {@code offset} (fewer where the body ends), read as a Range
   * response reads them: only the chunks the range covers, each noted in {@code chunksRead}.
   */
  private static byte[] range(
      ShardStore store, ChunkedBody body, long offset, int length, List<Integer> chunksRead) {
    int n = (int) Math.max(0, Math.min(length, body.bodyLength() - offset));
    byte[] out = new byte[n];
    if (n == 0) {
      return out;
    }
    int first = (int) (offset / body.chunkBytes());
    int last = (int) ((offset + n - 1) / body.chunkBytes());
    for (int i = first; i <= last; i++) {
      chunksRead.add(i);
      ByteBuffer chunk = store.readChunk(body, i, ByteBuffer::allocateDirect, b -> {}).join();
      long chunkStart = (long) i * body.chunkBytes();
      long from = Math.max(offset, chunkStart);
      long to = Math.min(offset + n, chunkStart + body.chunkLength(i));
      chunk
          .slice((int) (from - chunkStart), (int) (to - from))
          .get(out, (int) (from - offset), (int) (to - from));
    }
    return out;
  }

  @Test
  void read_flippedByteInOneChunk_isRefusedCountedAndDeleted() throws Exception {
    StoredObject large = object(2 * 1024 * 1024 + 1, 5);
    try (ShardStore store = open()) {
      store.put("big", large).join();
      byte[] key = "big".getBytes(StandardCharsets.UTF_8);
      ValueCodec.Header header = headerOf(store, "big");
      byte[] chunk =
          ValueCodec.encodeChunk(
              large.body(), ShardStore.CHUNK_BYTES, ShardStore.CHUNK_BYTES, header.writeSequence());
      chunk[500] ^= 0x01;
      store.putRaw(new String(StoreKeys.chunkKey(key, 1), StandardCharsets.ISO_8859_1), chunk);

      assertThatThrownBy(() -> read(store, "big"))
          .hasCauseInstanceOf(ChunkUnavailableException.class)
          .hasMessageContaining("corrupt chunk 1");
      assertThat(store.stats().checksumFailures()).isEqualTo(1);
      assertThat(read(store, "big")).as("header deleted").isEmpty();
      assertThat(store.stats().checksumFailures()).isEqualTo(1);
    }
  }

  @Test
  void readChunk_chunkOfAnotherWriteUnderTheSameHeader_isRefusedAsCorrupt() throws Exception {
    StoredObject large = object(2 * 1024 * 1024 + 1, 6);
    try (ShardStore store = open()) {
      store.put("big", large).join();
      ValueCodec.Header header = headerOf(store, "big");
      byte[] foreign =
          ValueCodec.encodeChunk(
              large.body(), 0, ShardStore.CHUNK_BYTES, header.writeSequence() + 99);
      store.putRaw(
          new String(
              StoreKeys.chunkKey("big".getBytes(StandardCharsets.UTF_8), 0),
              StandardCharsets.ISO_8859_1),
          foreign);

      ChunkedBody body =
          (ChunkedBody) store.find("big", ByteBuffer::allocateDirect, b -> {}).join().orElseThrow();

      assertThatThrownBy(() -> store.readChunk(body, 0, ByteBuffer::allocateDirect, b -> {}).join())
          .hasCauseInstanceOf(ChunkUnavailableException.class)
          .hasMessageContaining("corrupt chunk 0");
      assertThat(store.stats().checksumFailures()).isEqualTo(1);
      assertThat(store.find("big", ByteBuffer::allocateDirect, b -> {}).join())
          .as("deleted")
          .isEmpty();
    }
  }

  @Test
  void find_chunkedBody_notReadUntilAskedChunkByChunk() throws Exception {
    StoredObject large = object(2 * 1024 * 1024 + 99, 7);
    StoredObject small = object(4000, 8);
    try (ShardStore store = open()) {
      store.put("big", large).join();
      store.put("small", small).join();
      List<Integer> sizes = new ArrayList<>();

      StoreHit bigHit =
          store
              .find(
                  "big",
                  n -> {
                    sizes.add(n);
                    return ByteBuffer.allocateDirect(n);
                  },
                  b -> {})
              .join()
              .orElseThrow();
      StoreHit smallHit =
          store.find("small", ByteBuffer::allocateDirect, b -> {}).join().orElseThrow();

      assertThat(sizes).as("nothing allocated for a chunked body").isEmpty();
      assertThat(smallHit).isInstanceOf(DirectObject.class);
      assertThat(bigHit).isInstanceOf(ChunkedBody.class);
      ChunkedBody body = (ChunkedBody) bigHit;
      assertThat(body.bodyLength()).isEqualTo(large.body().length);
      assertThat(body.etag()).isEqualTo(large.etag());
      assertThat(body.lastModified()).isEqualTo(TestObjects.LAST_MODIFIED);
      assertThat(body.chunkCount()).isEqualTo(3);
      ByteBuffer all = ByteBuffer.allocate(body.bodyLength());
      for (int i = 0; i < body.chunkCount(); i++) {
        int index = i;
        ByteBuffer chunk =
            store
                .readChunk(
                    body,
                    i,
                    n -> {
                      assertThat(n).isEqualTo(body.chunkValueBytes(index));
                      return ByteBuffer.allocateDirect(n);
                    },
                    b -> {})
                .join();
        assertThat(chunk.remaining()).isEqualTo(body.chunkLength(i));
        all.put(chunk);
      }
      assertThat(all.array()).isEqualTo(large.body());
      assertThat(store.stats().hits()).isEqualTo(2);
    }
  }

  @Test
  void readChunk_objectReplacedAfterFind_unavailableButNotCorrupt() throws Exception {
    try (ShardStore store = open()) {
      store.put("big", object(2 * 1024 * 1024 + 1, 9)).join();
      ChunkedBody body =
          (ChunkedBody) store.find("big", ByteBuffer::allocateDirect, b -> {}).join().orElseThrow();
      StoredObject newer = object(2 * 1024 * 1024 + 1, 10);
      store.put("big", newer).join();
      List<ByteBuffer> released = new ArrayList<>();

      assertThatThrownBy(
              () -> store.readChunk(body, 1, ByteBuffer::allocateDirect, released::add).join())
          .hasCauseInstanceOf(ChunkUnavailableException.class)
          .hasMessageContaining("replaced or evicted");

      assertThat(released).as("the buffer of the refused read").hasSize(1);
      assertThat(store.stats().checksumFailures()).isZero();
      assertThat(read(store, "big").orElseThrow().body())
          .as("the new version kept")
          .isEqualTo(newer.body());
    }
  }

  @Test
  void readChunk_flippedByte_unavailableCountedAndDeleted() throws Exception {
    StoredObject large = object(2 * 1024 * 1024 + 1, 11);
    try (ShardStore store = open()) {
      store.put("big", large).join();
      ValueCodec.Header header = headerOf(store, "big");
      byte[] chunk =
          ValueCodec.encodeChunk(
              large.body(), ShardStore.CHUNK_BYTES, ShardStore.CHUNK_BYTES, header.writeSequence());
      chunk[700] ^= 0x10;
      store.putRaw(
          new String(
              StoreKeys.chunkKey("big".getBytes(StandardCharsets.UTF_8), 1),
              StandardCharsets.ISO_8859_1),
          chunk);
      ChunkedBody body =
          (ChunkedBody) store.find("big", ByteBuffer::allocateDirect, b -> {}).join().orElseThrow();

      assertThat(store.readChunk(body, 0, ByteBuffer::allocateDirect, b -> {}).join().remaining())
          .isEqualTo(ShardStore.CHUNK_BYTES);
      assertThatThrownBy(() -> store.readChunk(body, 1, ByteBuffer::allocateDirect, b -> {}).join())
          .hasCauseInstanceOf(ChunkUnavailableException.class)
          .hasMessageContaining("corrupt chunk 1");

      assertThat(store.stats().checksumFailures()).isEqualTo(1);
      assertThat(store.find("big", ByteBuffer::allocateDirect, b -> {}).join())
          .as("deleted")
          .isEmpty();
    }
  }

  @Test
  void put_keyWithNulCharacter_isRefused() throws Exception {
    try (ShardStore store = open()) {
      assertThatThrownBy(() -> store.put("a\0b", object(10, 1)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("U+0000");
    }
  }

  private static ValueCodec.Header headerOf(ShardStore store, String key) throws Exception {
    StoreHit hit = store.find(key, ByteBuffer::allocateDirect, b -> {}).join().orElseThrow();
    assertThat(hit.bodyLength()).isPositive();
    return store.header(key);
  }

  @Test
  void blockCacheShardBits_shardsOfAtLeast64Chunks_upToRocksDbs64() {
    assertThat(StoreDatabase.blockCacheShardBits(16 * MIB)).isZero();
    assertThat(StoreDatabase.blockCacheShardBits(127 * MIB)).isZero();
    assertThat(StoreDatabase.blockCacheShardBits(128 * MIB)).isEqualTo(1);
    assertThat(StoreDatabase.blockCacheShardBits(256 * MIB)).isEqualTo(2);
    assertThat(StoreDatabase.blockCacheShardBits(1024 * MIB)).isEqualTo(4);
    assertThat(StoreDatabase.blockCacheShardBits(4096 * MIB)).isEqualTo(6);
    assertThat(StoreDatabase.blockCacheShardBits(64L * 1024 * MIB)).isEqualTo(6);
  }

  @Test
  void readChunk_chunksFittingTheBlockCache_secondPassReadsNoFile() throws Exception {
    // 16 MiB of block cache: RocksDB's default would cut it into 32 shards of 512 KiB, none of
    // which keeps
    // a 1 MiB chunk; one shard keeps all ten.
    StoreConfig config =
        new StoreConfig(
            dir.resolve("db"),
            256 * MIB,
            2,
            64,
            16 * MIB,
            ReadMode.PREAD,
            StoreConfig.DEFAULT_ADMIT_MIN_REQUESTS);
    try (ShardStore store = ShardStore.open(config)) {
      for (int i = 0; i < 5; i++) {
        store.put("big" + i, object(2 * 1024 * 1024, 10 + i)).join();
      }
      store.flush();
      long[] missesAfterPass = new long[2];
      for (int pass = 0; pass < 2; pass++) {
        for (int i = 0; i < 5; i++) {
          ChunkedBody body =
              (ChunkedBody)
                  store.find("big" + i, ByteBuffer::allocateDirect, b -> {}).join().orElseThrow();
          for (int c = 0; c < body.chunkCount(); c++) {
            ByteBuffer chunk = store.readChunk(body, c, ByteBuffer::allocateDirect, b -> {}).join();
            assertThat(chunk.remaining()).isEqualTo(body.chunkLength(c));
          }
        }
        missesAfterPass[pass] = store.blockCacheDataMisses();
      }
      assertThat(missesAfterPass[0])
          .as("first pass: every chunk read from its file")
          .isGreaterThanOrEqualTo(10);
      assertThat(missesAfterPass[1] - missesAfterPass[0])
          .as("second pass: block cache misses")
          .isZero();
    }
  }
}
