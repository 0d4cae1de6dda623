package io.imgcdn.shard.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import org.jspecify.annotations.Nullable;

/**
 * A bounded set of direct buffers of one size, each handed out again once every user has released
 * it: the buffers chunk reads land in, so that a 4 MiB hit does not allocate (and the JDK zero)
 * four fresh 1 MiB buffers.
 */
final class ChunkBuffers {
  /*
   * Why: Netty 4.2's adaptive allocator pools buffers up to 1 MiB only; a chunk value (1 MiB + its prefix)
   * came as a fresh DirectByteBuffer, which the JDK zeroes before RocksDB overwrites it (11% of the shard
   * JVM's CPU in a profile of 4 MiB hits). The pooled allocator did not help: a 1.25 MiB size class fills
   * more than a quarter of its 4 MiB pool chunk, so the chunk joins the list whose chunks are freed once
   * empty, and new ones (zeroed too) are made all the time (still 9% in a profile with it).
   *
   * How: the set owns one reference to each buffer. Handing one out takes a retained slice, so the buffer's
   * reference count is 1 exactly when no response holds it any more (the transport releases the slice
   * once written, a response releases it on close); `acquire` looks for such a buffer under the lock,
   * so two threads cannot take the same one. The release itself happens on whichever thread the user is
   * on, without the lock: a count that drops to 1 is seen by the next scan. When all `capacity` buffers
   * are held, acquire answers null and the caller allocates as before. Memory: up to capacity x bufferBytes,
   * kept for the set's life (the process's: DirectLease has one). The buffers are made without Netty's
   * leak detector, as the set never releases its own reference; the slices it hands out are tracked as
   * any buffer is.
   */
  private static final UnpooledByteBufAllocator UNTRACKED =
      new UnpooledByteBufAllocator(true, true);

  private final int bufferBytes;
  private final ByteBuf[] buffers;
  private int created;

  ChunkBuffers(int bufferBytes, int capacity) {
    if (bufferBytes <= 0) {
      throw new IllegalArgumentException("bufferBytes: " + bufferBytes + " (expected: > 0)");
    }
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity: " + capacity + " (expected: > 0)");
    }
    this.bufferBytes = bufferBytes;
    this.buffers = new ByteBuf[capacity];
  }

  int bufferBytes() {
    return bufferBytes;
  }

  /**
   * A direct buffer of exactly {@code bytes} (at most {@link #bufferBytes()}) that nobody else
   * holds, its contents whatever its last user left; null when every buffer is held. The caller
   * releases it once.
   */
  synchronized @Nullable ByteBuf acquire(int bytes) {
    if (bytes < 0 || bytes > bufferBytes) {
      throw new IllegalArgumentException("bytes: " + bytes + " (expected: 0.." + bufferBytes + ")");
    }
    for (int i = 0;
        i < created;
        i++) { // the first free one: the most recently used memory is warmest
      if (buffers[i].refCnt() == 1) {
        return buffers[i].retainedSlice(0, bytes).clear();
      }
    }
    if (created == buffers.length) {
      return null;
    }
    ByteBuf b = UNTRACKED.directBuffer(bufferBytes, bufferBytes);
    buffers[created++] = b;
    return b.retainedSlice(0, bytes).clear();
  }

  /** Buffers made so far (at most the capacity). */
  synchronized int created() {
    return created;
  }
}
