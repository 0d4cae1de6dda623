package io.imgcdn.shard.store;

import java.nio.ByteBuffer;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Each reading thread's direct buffers (RocksDB's ByteBuffer reads take direct memory): one for a
 * value whose size is not known before the read, one for the key.
 */
final class ReadBuffers {

  /** Holds any inline value (at most a chunk and its header) and any chunk with its prefix. */
  private static final int SCRATCH_BYTES = ShardStore.CHUNK_BYTES + 64 * 1024;

  private static final int KEY_SCRATCH_BYTES = 8 * 1024;

  private final ThreadLocal<ByteBuffer> scratch =
      ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(SCRATCH_BYTES));
  private final ThreadLocal<ByteBuffer> keyScratch =
      ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(KEY_SCRATCH_BYTES));

  /** This thread's scratch buffer, cleared: overwritten by the thread's next read. */
  ByteBuffer scratch() {
    return scratch.get().clear();
  }

  /**
   * The key in a direct buffer: the thread's key scratch (overwritten by the next call) or a new
   * one.
   */
  ByteBuffer directKey(byte[] keyBytes) {
    ByteBuffer buffer =
        keyBytes.length <= KEY_SCRATCH_BYTES
            ? keyScratch.get().clear()
            : ByteBuffer.allocateDirect(keyBytes.length);
    return buffer.put(keyBytes).flip();
  }

  /**
   * A buffer of exactly {@code size} bytes from the caller's {@code allocate}, sliced from its
   * position; one that is too small goes back to {@code release} and is an {@link
   * IllegalArgumentException}.
   */
  static ByteBuffer allocateExactly(
      IntFunction<ByteBuffer> allocate, Consumer<ByteBuffer> release, int size) {
    ByteBuffer target = allocate.apply(size);
    if (target.remaining() < size) {
      release.accept(target);
      throw new IllegalArgumentException(
          "allocate("
              + size
              + ") returned "
              + target.remaining()
              + " bytes (expected: >= "
              + size
              + ")");
    }
    return target.slice(target.position(), size);
  }
}
