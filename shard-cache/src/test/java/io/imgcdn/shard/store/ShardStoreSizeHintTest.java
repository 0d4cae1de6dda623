package io.imgcdn.shard.store;

import static io.imgcdn.shard.store.TestObjects.bytes;
import static io.imgcdn.shard.store.TestObjects.object;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * find with a size hint reads straight into the caller's buffer; a wrong hint (a value replaced
 * behind the store's back, a corrupt value of the hinted size) still ends in the right answer: the
 * current value, or a counted miss, never a corrupt byte.
 */
class ShardStoreSizeHintTest {

  private static final long MIB = 1L << 20;

  @TempDir Path dir;

  private ShardStore open() throws Exception {
    // No block cache: every read goes to RocksDB's memtable or a table file, never memory-only
    // paths.
    return ShardStore.open(
        new StoreConfig(
            dir.resolve("db"),
            64 * MIB,
            2,
            64,
            0,
            ReadMode.PREAD,
            StoreConfig.DEFAULT_ADMIT_MIN_REQUESTS));
  }

  /** Records every size asked for and every buffer handed back. */
  private static final class Buffers {
    final List<Integer> asked = new ArrayList<>();
    final List<ByteBuffer> released = new ArrayList<>();

    ByteBuffer allocate(int n) {
      asked.add(n);
      return ByteBuffer.allocateDirect(n);
    }
  }

  /**
   * Puts "k" (which leaves a size hint), then overwrites it behind the hint with one bit flipped at
   * {@code at}.
   */
  private static void putHintedThenCorrupt(ShardStore store, long at) throws Exception {
    StoredObject o = object(61_440, 1);
    store.put("k", o).join();
    byte[] corrupt = ValueCodec.encode(o, 0);
    corrupt[(int) at] ^= 0x01;
    store.putRaw("k", corrupt);
  }

  @Test
  void find_afterPutAndFlush_oneExactAllocationAndTheBody() throws Exception {
    try (ShardStore store = open()) {
      StoredObject o = object(61_440, 1);
      store.put("k", o).join();
      store.flush();
      int encoded = (int) ValueCodec.encodedLength(o);
      assertThat(store.sizeHint("k")).isEqualTo(encoded);
      Buffers buffers = new Buffers();

      Optional<StoreHit> got = store.find("k", buffers::allocate, buffers.released::add).join();

      assertThat(bytes(((DirectObject) got.orElseThrow()).body())).isEqualTo(o.body());
      assertThat(buffers.asked).containsExactly(encoded);
      assertThat(buffers.released).isEmpty();
      assertThat(store.stats().hits()).isEqualTo(1);
    }
  }

  @Test
  void find_valueReplacedWithOtherSizeBehindTheHint_returnsTheNewValue() throws Exception {
    try (ShardStore store = open()) {
      store.put("k", object(61_440, 1)).join();
      StoredObject replacement = object(50_000, 2);
      store.putRaw("k", ValueCodec.encode(replacement, 0)); // bypasses the hint
      Buffers buffers = new Buffers();

      Optional<StoreHit> got = store.find("k", buffers::allocate, buffers.released::add).join();

      assertThat(bytes(((DirectObject) got.orElseThrow()).body())).isEqualTo(replacement.body());
      assertThat(buffers.asked).hasSize(2);
      assertThat(buffers.released).hasSize(1);
      assertThat(store.sizeHint("k")).isEqualTo((int) ValueCodec.encodedLength(replacement));
    }
  }

  @Test
  void find_corruptBodyOfTheHintedSize_missesCountsAndReleases() throws Exception {
    try (ShardStore store = open()) {
      putHintedThenCorrupt(store, ValueCodec.encodedLength(object(61_440, 1)) - 100);
      store.flush();
      Buffers buffers = new Buffers();

      Optional<StoreHit> got = store.find("k", buffers::allocate, buffers.released::add).join();

      assertThat(got).isEmpty();
      assertThat(buffers.released).hasSameSizeAs(buffers.asked).hasSize(1);
      assertThat(store.stats().checksumFailures()).isEqualTo(1);
      assertThat(store.sizeHint("k")).isZero();
      assertThat(store.find("k", buffers::allocate, buffers.released::add).join()).isEmpty();
    }
  }

  @Test
  void find_corruptHeaderOfTheHintedSize_missesAndCounts() throws Exception {
    try (ShardStore store = open()) {
      putHintedThenCorrupt(store, 30); // inside the content type
      Buffers buffers = new Buffers();

      Optional<StoreHit> got = store.find("k", buffers::allocate, buffers.released::add).join();

      assertThat(got).isEmpty();
      assertThat(buffers.released).hasSameSizeAs(buffers.asked);
      assertThat(store.stats().checksumFailures()).isEqualTo(1);
    }
  }

  @Test
  void find_hintedKeyDeleted_missReleasesTheBuffer() throws Exception {
    try (ShardStore store = open()) {
      store.put("k", object(61_440, 1)).join();
      assertThat(store.delete("k").join()).isTrue();
      Buffers buffers = new Buffers();

      Optional<StoreHit> got = store.find("k", buffers::allocate, buffers.released::add).join();

      assertThat(got).isEmpty();
      assertThat(buffers.released).hasSameSizeAs(buffers.asked);
      assertThat(store.stats().misses()).isEqualTo(1);
      assertThat(store.stats().checksumFailures()).isZero();
    }
  }

  @Test
  void find_chunkedValueAfterInlineHint_readsTheWholeBodyChunkByChunk() throws Exception {
    try (ShardStore store = open()) {
      store.put("k", object(61_440, 1)).join();
      StoredObject large = object(1_500_000, 2);
      store.put("k", large).join();
      assertThat(store.sizeHint("k")).isZero();
      Buffers buffers = new Buffers();

      ChunkedBody got =
          (ChunkedBody)
              store.find("k", buffers::allocate, buffers.released::add).join().orElseThrow();
      ByteBuffer body = ByteBuffer.allocate(got.bodyLength());
      for (int i = 0; i < got.chunkCount(); i++) {
        body.put(store.readChunk(got, i, buffers::allocate, buffers.released::add).join());
      }

      assertThat(body.array()).isEqualTo(large.body());
      assertThat(buffers.released).isEmpty();
    }
  }
}
