package io.imgcdn.shard.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

class ChunkBuffersTest {
  @Test
  void acquire_afterRelease_sameMemoryNotZeroed() {
    ChunkBuffers buffers = new ChunkBuffers(4096, 2);
    ByteBuf first = buffers.acquire(4000);
    long address = first.memoryAddress();
    first.setByte(3999, 42);
    assertThat(first.release()).isFalse(); // the set keeps its own reference

    ByteBuf again = buffers.acquire(4000);
    try {
      assertThat(again.memoryAddress()).isEqualTo(address);
      assertThat(again.getByte(3999)).isEqualTo((byte) 42);
      assertThat(buffers.created()).isEqualTo(1);
    } finally {
      again.release();
    }
  }

  @Test
  void acquire_whileHeld_otherBufferThenNullWhenAllHeld() {
    ChunkBuffers buffers = new ChunkBuffers(4096, 2);
    ByteBuf a = buffers.acquire(4096);
    ByteBuf b = buffers.acquire(100);
    assertThat(b.memoryAddress()).isNotEqualTo(a.memoryAddress());
    assertThat(buffers.acquire(1)).isNull();
    // a user that retained it for a write still holds it until that release too
    b.retain();
    b.release();
    assertThat(buffers.acquire(1)).isNull();
    b.release();
    ByteBuf c = buffers.acquire(10);
    assertThat(c.memoryAddress()).isEqualTo(b.memoryAddress());
    assertThat(c.capacity()).isEqualTo(10);
    assertThat(c.readableBytes()).isZero();
    assertThat(c.isDirect()).isTrue();
    a.release();
    c.release();
    assertThat(buffers.created()).isEqualTo(2);
  }

  @Test
  void acquire_largerThanBuffers_fails() {
    ChunkBuffers buffers = new ChunkBuffers(4096, 1);
    assertThatThrownBy(() -> buffers.acquire(4097))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("4097")
        .hasMessageContaining("0..4096");
  }
}
