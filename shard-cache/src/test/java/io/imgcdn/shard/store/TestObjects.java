package io.imgcdn.shard.store;

import java.nio.ByteBuffer;
import java.util.Random;

/** Objects and buffer reads the store tests share. */
final class TestObjects {

  private TestObjects() {}

  /** A webp object of {@code size} random bytes; ETag and stored-at from {@code seed}. */
  static StoredObject object(int size, long seed) {
    byte[] body = new byte[size];
    new Random(seed).nextBytes(body);
    return new StoredObject("image/webp", "\"" + seed + "\"", "public", seed, body);
  }

  /** The remaining bytes of {@code buffer}, without moving its position. */
  static byte[] bytes(ByteBuffer buffer) {
    byte[] out = new byte[buffer.remaining()];
    buffer.duplicate().get(out);
    return out;
  }
}
