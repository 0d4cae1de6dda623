package io.imgcdn.shard.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A large original's copy filled chunk by chunk: absent chunks are told from stale and corrupt
 * ones, a chunk is written only for the copy stored, and the copy survives a reopen as it was.
 */
class ShardStoreFillableTest {
  private static final int CHUNK = 64 * 1024;
  private static final int LENGTH = 3 * CHUNK + 100;

  @TempDir Path dir;

  private ShardStore open() throws Exception {
    return ShardStore.open(new StoreConfig(dir.resolve("db"), 256L << 20, 2, 64));
  }

  private static StoredObject head(String etag) {
    return new StoredObject("video/mp4", etag, TestObjects.LAST_MODIFIED, "public", 1, new byte[0]);
  }

  private static ByteBuffer read(ShardStore store, ChunkedBody body, int index) {
    return store.readChunk(body, index, ByteBuffer::allocateDirect, b -> {}).join();
  }

  private static ChunkUnavailableException unavailable(
      ShardStore store, ChunkedBody body, int index) {
    try {
      read(store, body, index);
    } catch (CompletionException e) {
      return (ChunkUnavailableException) e.getCause();
    }
    throw new AssertionError("chunk " + index + " was read");
  }

  @Test
  void chunksFilledOneByOne_readBackAbsentOthers_andSurviveReopen() throws Exception {
    byte[] body = new byte[LENGTH];
    new Random(3).nextBytes(body);
    try (ShardStore store = open()) {
      ChunkedBody stored =
          store.putFillable("v.mp4", head("\"a\""), LENGTH, CHUNK).join().orElseThrow();
      assertThat(stored.fillable()).isTrue();
      assertThat(stored.chunkCount()).isEqualTo(4);
      assertThat(unavailable(store, stored, 1).absent()).isTrue();

      assertThat(store.putChunk(stored, 1, body, CHUNK).join()).isTrue();
      assertThat(store.putChunk(stored, 3, body, 3 * CHUNK).join()).isTrue();

      ChunkedBody found =
          (ChunkedBody)
              store.find("v.mp4", ByteBuffer::allocateDirect, b -> {}).join().orElseThrow();
      assertThat(found.bodyLength()).isEqualTo(LENGTH);
      assertThat(found.etag()).isEqualTo("\"a\"");
      ByteBuffer one = read(store, found, 1);
      byte[] got = new byte[one.remaining()];
      one.get(got);
      assertThat(got).isEqualTo(java.util.Arrays.copyOfRange(body, CHUNK, 2 * CHUNK));
      assertThat(read(store, found, 3).remaining()).isEqualTo(100);
      assertThat(unavailable(store, found, 0).absent()).isTrue();
      assertThat(store.verifyAll()).isEqualTo(new Verification.ScanResult(1, 0));
    }
    try (ShardStore store = open()) {
      ChunkedBody found =
          (ChunkedBody)
              store.find("v.mp4", ByteBuffer::allocateDirect, b -> {}).join().orElseThrow();
      assertThat(read(store, found, 1).remaining()).isEqualTo(CHUNK);
      assertThat(unavailable(store, found, 2).absent()).isTrue();
    }
  }

  @Test
  void replacedCopy_oldChunksAreAbsentForTheNew_andTheOldCopyTakesNoChunk() throws Exception {
    byte[] body = new byte[LENGTH];
    try (ShardStore store = open()) {
      ChunkedBody old =
          store.putFillable("v.mp4", head("\"a\""), LENGTH, CHUNK).join().orElseThrow();
      assertThat(store.putChunk(old, 0, body, 0).join()).isTrue();
      ChunkedBody fresh =
          store.putFillable("v.mp4", head("\"b\""), LENGTH, CHUNK).join().orElseThrow();

      assertThat(unavailable(store, fresh, 0).absent()).as("an older copy's chunk").isTrue();
      // The old copy's reader still gets its own chunk 0, but none it lacks: it is not to be
      // filled.
      assertThat(read(store, old, 0).remaining()).isEqualTo(CHUNK);
      assertThat(unavailable(store, old, 1).absent()).as("a replaced copy").isFalse();
      assertThat(store.putChunk(old, 1, body, CHUNK).join()).isFalse();
      assertThat(store.putChunk(fresh, 0, body, 0).join()).isTrue();
      assertThat(read(store, fresh, 0).remaining()).isEqualTo(CHUNK);
    }
  }

  @Test
  void deletedCopy_isUnavailableNotAbsent() throws Exception {
    try (ShardStore store = open()) {
      ChunkedBody copy =
          store.putFillable("v.mp4", head("\"a\""), LENGTH, CHUNK).join().orElseThrow();
      store.delete("v.mp4").join();
      assertThat(unavailable(store, copy, 0).absent()).isFalse();
      assertThatThrownBy(() -> store.putFillable("v.mp4", head("\"a\""), 0, CHUNK))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
