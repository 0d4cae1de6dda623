package io.imgcdn.shard.store;

import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.Random;

/** Objects and buffer reads the store tests share. */
final class TestObjects {

  private TestObjects() {}

  /** The Last-Modified of every test object. */
  static final String LAST_MODIFIED = "Sun, 06 Nov 1994 08:49:37 GMT";

  /**
   * A webp object of {@code size} random bytes; ETag and stored-at from {@code seed}, Last-Modified
   * {@link #LAST_MODIFIED}.
   */
  static StoredObject object(int size, long seed) {
    byte[] body = new byte[size];
    new Random(seed).nextBytes(body);
    return new StoredObject("image/webp", "\"" + seed + "\"", LAST_MODIFIED, "public", seed, body);
  }

  /** The remaining bytes of {@code buffer}, without moving its position. */
  static byte[] bytes(ByteBuffer buffer) {
    byte[] out = new byte[buffer.remaining()];
    buffer.duplicate().get(out);
    return out;
  }

  /**
   * The object under {@code key} read whole through the store's API, as a hit is served: {@link
   * ShardStore#find}, then every chunk of a chunked body with {@link ShardStore#readChunk}; a chunk
   * that cannot be read fails the join (ChunkUnavailableException).
   */
  static Optional<StoredObject> read(ShardStore store, String key) {
    return store
        .find(key, ByteBuffer::allocateDirect, b -> {})
        .join()
        .map(
            hit ->
                new StoredObject(
                    hit.contentType(),
                    hit.etag(),
                    hit.lastModified(),
                    hit.cacheControl(),
                    hit.storedAtMillis(),
                    switch (hit) {
                      case DirectObject direct -> bytes(direct.body());
                      case ChunkedBody chunked -> readChunks(store, chunked);
                    }));
  }

  /** Every chunk of {@code body}, in order, onto the heap. */
  static byte[] readChunks(ShardStore store, ChunkedBody body) {
    ByteBuffer all = ByteBuffer.allocate(body.bodyLength());
    for (int i = 0; i < body.chunkCount(); i++) {
      all.put(store.readChunk(body, i, ByteBuffer::allocateDirect, b -> {}).join());
    }
    return all.array();
  }
}
