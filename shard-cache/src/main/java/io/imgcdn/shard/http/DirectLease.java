package io.imgcdn.shard.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Hands the store pooled direct buffers (ShardStore's allocate and release) and keeps the one a read
 * ended in, which becomes a response's body.
 */
final class DirectLease implements IntFunction<ByteBuffer>, Consumer<ByteBuffer> {
  /*
   * The store asks for the exact size, at most twice, and gives back every buffer it does not use before
   * asking again, so one buffer is held at a time. What was read is the buffer's last bytes: for an
   * inline value the header comes first, a chunked body fills the buffer, a chunk follows its prefix.
   */
  private ByteBuf held;

  @Override
  public ByteBuffer apply(int bytes) {
    close();
    held = ByteBufAllocator.DEFAULT.directBuffer(bytes, bytes);
    held.writerIndex(bytes);
    return held.nioBuffer(0, bytes);
  }

  @Override
  public void accept(ByteBuffer unused) {
    close();
  }

  /** The held buffer, positioned on its last {@code bytes} bytes; the caller owns it now. */
  ByteBuf take(int bytes) {
    ByteBuf body = held;
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
