package io.imgcdn.shard.store;

import java.nio.ByteBuffer;
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
}
