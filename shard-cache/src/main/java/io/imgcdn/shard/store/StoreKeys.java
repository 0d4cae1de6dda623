package io.imgcdn.shard.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * How cache keys become RocksDB keys: a key's UTF-8 bytes, and for chunk {@code i} of a body stored
 * in chunks the key, 0x00, then {@code i} as a big-endian u32 (a cache key never holds U+0000).
 */
final class StoreKeys {

  /** Bytes a chunk's key adds to its object's key. */
  static final int CHUNK_SUFFIX_BYTES = 5;

  private StoreKeys() {}

  /** The RocksDB key of {@code key}; refuses an empty key and one holding U+0000. */
  static byte[] encode(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key: \"\" (expected: non-empty)");
    }
    if (key.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "key: contains U+0000 (expected: none; it separates chunk keys)");
    }
    return key.getBytes(StandardCharsets.UTF_8);
  }

  /** The key of chunk {@code index} of the object under {@code keyBytes}. */
  static byte[] chunkKey(byte[] keyBytes, int index) {
    byte[] key = Arrays.copyOf(keyBytes, keyBytes.length + CHUNK_SUFFIX_BYTES);
    key[keyBytes.length + 1] = (byte) (index >>> 24);
    key[keyBytes.length + 2] = (byte) (index >>> 16);
    key[keyBytes.length + 3] = (byte) (index >>> 8);
    key[keyBytes.length + 4] = (byte) index;
    return key;
  }

  /** Whether {@code key} is a chunk's key rather than an object's. */
  static boolean isChunkKey(byte[] key) {
    return key.length >= CHUNK_SUFFIX_BYTES && key[key.length - CHUNK_SUFFIX_BYTES] == 0;
  }

  static boolean hasPrefix(byte[] key, byte[] prefix) {
    return key.length >= prefix.length
        && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }
}
