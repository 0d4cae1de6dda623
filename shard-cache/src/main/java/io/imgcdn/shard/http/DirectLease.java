package io.imgcdn.shard.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;

/**
 * Hands the store pooled direct buffers (ShardStore's allocate and release) and keeps the one a
 * read ended in, which becomes a response's body.
 */
final class DirectLease implements IntFunction<ByteBuffer>, Consumer<ByteBuffer> {
  /*
   * The store asks for the exact size, at most twice, and gives back every buffer it does not use before
   * asking again, so one buffer is held at a time. What was read is the buffer's last bytes: for an
   * inline value the header comes first, a chunked body fills the buffer, a chunk follows its prefix.
   *
   * Sizes: Netty's default (adaptive) allocator pools buffers up to 1 MiB; a chunk read (1 MiB and its
   * prefix) takes one of the CHUNKS buffers instead, handed back when its response is done with it, so
   * that it is not a fresh buffer zeroed by the JDK per chunk (ChunkBuffers has the measurements).
   */
  /**
   * The largest buffer Netty's adaptive allocator pools (above it: a fresh, zeroed
   * DirectByteBuffer).
   */
  static final int ADAPTIVE_POOLED_BYTES = 1 << 20;

  /** A chunk (1 MiB, ShardStore's chunk size) with its prefix, and some room. */
  static final int CHUNK_BUFFER_BYTES = (1 << 20) + 64;

  /** Chunk buffers kept for reuse: two per response in flight for 16 responses; 32 MiB. */
  static final ChunkBuffers CHUNKS = new ChunkBuffers(CHUNK_BUFFER_BYTES, 32);

  private @Nullable ByteBuf held;

  @Override
  public ByteBuffer apply(int bytes) {
    close();
    ByteBuf buffer =
        bytes > ADAPTIVE_POOLED_BYTES && bytes <= CHUNK_BUFFER_BYTES ? CHUNKS.acquire(bytes) : null;
    if (buffer == null) {
      buffer = ByteBufAllocator.DEFAULT.directBuffer(bytes, bytes);
    }
    held = buffer;
    buffer.writerIndex(bytes);
    return buffer.nioBuffer(0, bytes);
  }

  @Override
  public void accept(ByteBuffer unused) {
    close();
  }

  /** The held buffer, positioned on its last {@code bytes} bytes; the caller owns it now. */
  ByteBuf take(int bytes) {
    ByteBuf body = held;
    if (body == null) {
      throw new IllegalStateException("no buffer held (take before a read filled one)");
    }
    held = null;
    body.setIndex(body.writerIndex() - bytes, body.writerIndex());
    return body;
  }

  void close() {
    if (held != null) {
      held.release();
      held = null;
    }
  }
}
