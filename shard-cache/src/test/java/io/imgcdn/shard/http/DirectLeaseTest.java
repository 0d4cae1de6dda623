package io.imgcdn.shard.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class DirectLeaseTest {
  private static final int CHUNK_VALUE_BYTES = (1 << 20) + 12; // a 1 MiB chunk and its prefix

  @Test
  void apply_chunkSized_chunkBufferAndTakePositionsOnLastBytes() {
    DirectLease lease = new DirectLease();
    ByteBuffer target = lease.apply(CHUNK_VALUE_BYTES);
    assertThat(target.isDirect()).isTrue();
    assertThat(target.remaining()).isEqualTo(CHUNK_VALUE_BYTES);
    target.put(CHUNK_VALUE_BYTES - 1, (byte) 7);
    ByteBuf chunk = lease.take(1 << 20);
    try {
      // a slice of one of the kept chunk buffers, not a fresh (zeroed) buffer from the default
      // allocator
      assertThat(chunk.unwrap()).isNotNull();
      assertThat(chunk.unwrap().capacity()).isEqualTo(DirectLease.CHUNK_BUFFER_BYTES);
      assertThat(chunk.readerIndex()).isEqualTo(12);
      assertThat(chunk.readableBytes()).isEqualTo(1 << 20);
      assertThat(chunk.getByte(chunk.writerIndex() - 1)).isEqualTo((byte) 7);
    } finally {
      chunk.release();
    }
    assertThat(DirectLease.CHUNKS.created()).isPositive();
  }

  @Test
  void apply_hitSized_defaultAllocator() {
    DirectLease lease = new DirectLease();
    lease.apply(60 * 1024);
    ByteBuf body = lease.take(60 * 1024);
    try {
      assertThat(body.alloc()).isSameAs(ByteBufAllocator.DEFAULT);
      assertThat(body.isDirect()).isTrue();
    } finally {
      assertThat(body.release()).isTrue();
    }
  }
}
