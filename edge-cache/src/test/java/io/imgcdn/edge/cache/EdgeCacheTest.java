package io.imgcdn.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EdgeCacheTest {

  /**
   * A body whose every byte is derived from its key number, so reading freed or reused memory
   * shows.
   */
  static byte[] body(int key, int length) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) (key * 31 + i);
    }
    return b;
  }

  static CachedObject object(EdgeCache cache, int key, int length) {
    CachedObject.Builder builder =
        cache.builder("image/jpeg", "\"e" + key + "\"", "", "public, max-age=60", null, length);
    builder.append(Unpooled.wrappedBuffer(body(key, length)));
    return builder.build("shard-1;hit");
  }

  static void admit(EdgeCache cache, String key, int n, int length) {
    CachedObject o = object(cache, n, length);
    cache.admit(key, o);
    o.release();
  }

  @Test
  @SuppressWarnings("StringConcatToTextBlock") // CRLF line ends read better as \r\n than as \r
  void headAndBody_storedHead_isEncodedHeaderLinesThenBody() {
    try (EdgeCache cache = new EdgeCache(1 << 20, 1 << 20)) {
      CachedObject o = object(cache, 7, 10);
      ByteBuf all = o.headAndBody(true);
      String text = all.toString(StandardCharsets.ISO_8859_1);
      assertThat(text)
          .startsWith(
              "Content-Type: image/jpeg\r\nContent-Length: 10\r\nETag: \"e7\"\r\n"
                  + "Cache-Control: public, max-age=60\r\nAccept-Ranges: bytes\r\n\r\n");
      assertThat(all.readableBytes()).isEqualTo(o.headBytes() + 10);
      ByteBuf head = o.headAndBody(false);
      assertThat(head.toString(StandardCharsets.ISO_8859_1)).endsWith("\r\n\r\n");
      ByteBuf part = o.body(2, 3);
      byte[] expected = body(7, 10);
      assertThat(part.getByte(0)).isEqualTo(expected[2]);
      assertThat(part.readableBytes()).isEqualTo(3);
      all.release();
      head.release();
      part.release();
      o.release();
      assertThat(o.freed()).isTrue();
      assertThat(cache.liveBuffers()).isZero();
    }
  }

  @Test
  void admit_threeTimesTheBound_evictsAndFreesEveryEvictedBody() {
    int size = 100_000;
    try (EdgeCache cache = new EdgeCache(1_000_000, 200_000)) {
      List<CachedObject> all = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        CachedObject o = object(cache, i, size);
        all.add(o);
        cache.admit("/k" + i, o);
        o.release();
      }
      cache.cleanUp();
      assertThat(cache.weightedBytes()).isLessThanOrEqualTo(1_000_000);
      assertThat(cache.liveBuffers()).isEqualTo(cache.objects());
      assertThat(cache.liveBytes()).isLessThanOrEqualTo(1_000_000);
      long freed = all.stream().filter(CachedObject::freed).count();
      assertThat(freed).isEqualTo(30 - cache.objects()).isGreaterThanOrEqualTo(20);
      assertThat(all.stream().filter(CachedObject::freed)).allMatch(o -> o.refCount() == 0);
      cache.invalidateAll();
      assertThat(cache.liveBuffers()).isZero();
      assertThat(cache.liveBytes()).isZero();
      assertThat(all).allMatch(CachedObject::freed);
    }
  }

  @Test
  void acquire_heldAcrossEviction_bodyStaysReadableUntilReleased() {
    try (EdgeCache cache = new EdgeCache(1 << 20, 1 << 20)) {
      admit(cache, "/a", 1, 1000);
      CachedObject held = cache.acquire("/a");
      assertThat(held).isNotNull();
      cache.invalidate("/a");
      assertThat(cache.acquire("/a")).isNull();
      assertThat(held.freed()).isFalse();
      ByteBuf slice = held.body(0, 1000);
      held.release();
      assertThat(held.freed()).as("a slice on its way to the socket keeps the memory").isFalse();
      byte[] read = new byte[1000];
      slice.getBytes(slice.readerIndex(), read);
      assertThat(read).isEqualTo(body(1, 1000));
      slice.release();
      assertThat(held.freed()).isTrue();
      assertThat(cache.liveBuffers()).isZero();
    }
  }

  @Test
  void tryRetain_afterLastRelease_refusesAndRetainThrows() {
    try (EdgeCache cache = new EdgeCache(1 << 20, 1 << 20)) {
      CachedObject o = object(cache, 3, 10);
      o.release();
      assertThat(o.tryRetain()).isFalse();
      assertThat(o.refCount()).isZero();
      assertThatThrownBy(o::retain).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(o::release).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void builder_abandonedOrIncomplete_freesOrRefuses() {
    try (EdgeCache cache = new EdgeCache(1 << 20, 1000)) {
      CachedObject.Builder b = cache.builder("image/png", "", "", "no-cache", "Accept", 100);
      b.append(Unpooled.wrappedBuffer(new byte[60]));
      assertThat(b.remaining()).isEqualTo(40);
      assertThatThrownBy(() -> b.append(Unpooled.wrappedBuffer(new byte[41])))
          .hasMessageContaining("overflows the announced length 100");
      assertThatThrownBy(() -> b.build("")).hasMessageContaining("40 of 100 bytes missing");
      b.abandon();
      assertThat(cache.liveBuffers()).isZero();
      assertThat(cache.admissible(1000)).isTrue();
      assertThat(cache.admissible(1001)).isFalse();
      assertThatThrownBy(() -> cache.builder("image/png", "", "", "no-cache", null, 1001))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void tryBuilder_fillsAboveAQuarterOfTheCache_refusedUntilOneCompletes() {
    try (EdgeCache cache = new EdgeCache(4000, 1000)) {
      CachedObject.Builder first = cache.builder("image/png", "", "", "no-cache", null, 600);
      assertThat(cache.fillingBytes()).isEqualTo(600);
      assertThat(cache.tryBuilder("image/png", "", "", "no-cache", null, 600)).isNull();
      first.abandon();
      assertThat(cache.fillingBytes()).isZero();
      CachedObject.Builder second = cache.tryBuilder("image/png", "", "", "no-cache", null, 600);
      assertThat(second).isNotNull();
      second.append(Unpooled.wrappedBuffer(new byte[600]));
      CachedObject o = second.build("");
      assertThat(cache.fillingBytes()).as("reservation ends when the object is complete").isZero();
      o.release();
      assertThat(cache.liveBuffers()).isZero();
    }
  }

  @Test
  void concurrentHitsAndEvictions_neverTouchFreedMemory() throws Exception {
    int threads = 4;
    int keys = 64;
    int size = 4096;
    Queue<Throwable> errors = new ConcurrentLinkedQueue<>();
    AtomicLong hits = new AtomicLong();
    // Room for about 16 of 64 keys: almost every miss evicts something while other threads read.
    try (EdgeCache cache = new EdgeCache(16L * (size + 400), size)) {
      CountDownLatch start = new CountDownLatch(1);
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        SplittableRandom random = new SplittableRandom(t);
        workers.add(
            Thread.ofPlatform()
                .start(
                    () -> {
                      try {
                        start.await();
                        for (int i = 0; i < 20_000; i++) {
                          int k = random.nextInt(keys);
                          CachedObject o = cache.acquire("/k" + k);
                          if (o == null) {
                            admit(cache, "/k" + k, k, size);
                            continue;
                          }
                          hits.incrementAndGet();
                          ByteBuf slice;
                          try {
                            slice = o.body(0, size);
                          } finally {
                            o.release();
                          }
                          try {
                            int at = random.nextInt(size);
                            if (slice.getByte(slice.readerIndex() + at) != (byte) (k * 31 + at)) {
                              errors.add(
                                  new AssertionError(
                                      "key " + k + " byte " + at + " changed under a reader"));
                            }
                          } finally {
                            slice.release();
                          }
                        }
                      } catch (Throwable e) {
                        errors.add(e);
                      }
                    }));
      }
      start.countDown();
      for (Thread w : workers) {
        w.join();
      }
      assertThat(errors).isEmpty();
      assertThat(hits.get()).isGreaterThan(1000);
      cache.cleanUp();
      assertThat(cache.liveBuffers()).isEqualTo(cache.objects());
      cache.invalidateAll();
      assertThat(cache.liveBuffers()).isZero();
      assertThat(cache.liveBytes()).isZero();
    }
  }
}
