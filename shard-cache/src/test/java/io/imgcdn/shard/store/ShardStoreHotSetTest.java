package io.imgcdn.shard.store;

import static io.imgcdn.shard.store.TestObjects.bytes;
import static io.imgcdn.shard.store.TestObjects.object;
import static io.imgcdn.shard.store.TestObjects.read;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Admission, re-insertion near the eviction horizon, and reads into the caller's buffers. */
class ShardStoreHotSetTest {

  private static final long MIB = 1L << 20;

  @TempDir Path dir;

  private ShardStore open(long maxBytes) throws Exception {
    return ShardStore.open(new StoreConfig(dir.resolve("db"), maxBytes, 2, 64));
  }

  @Test
  void offer_keyRequestedFewerThanFourTimes_isRefusedThenAdmitted() throws Exception {
    try (ShardStore store = open(64 * MIB)) {
      for (int request = 1; request <= 3; request++) {
        assertThat(read(store, "k")).isEmpty();
        assertThat(store.offer("k", object(1000, 1)).join())
            .as("offer after request %d", request)
            .isFalse();
      }
      assertThat(read(store, "k")).isEmpty();

      assertThat(store.offer("k", object(1000, 1)).join())
          .as("offer after the fourth request")
          .isTrue();
      assertThat(read(store, "k")).isPresent();
      assertThat(store.stats().admissionRejections()).isEqualTo(3);
    }
  }

  @Test
  void find_hotObjectWhileThreeTimesTheBoundIsWritten_staysWhileColdPeerIsEvicted()
      throws Exception {
    long maxBytes = 32 * MIB;
    try (ShardStore store = open(maxBytes)) {
      StoredObject hot = object(200_000, 1);
      store.put("hot", hot).join();
      store.put("cold", object(200_000, 2)).join();
      long written = 0;
      for (int i = 0; written < 3 * maxBytes; i++) {
        store.put("filler-" + i, object(300_000, 100 + i)).join();
        written += 300_000;
        // Asked for every 10 fillers: a few times per pass of the log.
        if (i % 10 == 0) {
          assertThat(read(store, "hot"))
              .as("hot object after %d bytes written", written)
              .isPresent();
        }
        assertThat(store.diskUsageBytes())
            .as("within the data bound plus its headroom")
            .isLessThan(StoreBudget.forData(maxBytes).maxBytes());
      }

      StoredObject reinserted = read(store, "hot").orElseThrow();
      assertThat(reinserted.body()).isEqualTo(hot.body());
      assertThat(reinserted.lastModified()).isEqualTo(hot.lastModified()).isNotEmpty();
      assertThat(read(store, "cold")).isEmpty();
      assertThat(store.stats().reinsertions()).isPositive();
      // Re-inserted about once per pass of the log, not on every hit.
      assertThat(store.stats().reinsertions()).isLessThan(store.stats().hits() / 2);
    }
  }

  @Test
  void find_smallAndLargeValues_returnsBodyInCallerBuffers() throws Exception {
    try (ShardStore store = open(64 * MIB)) {
      StoredObject small = object(1000, 1);
      StoredObject large = object(1_500_000, 2);
      store.put("small", small).join();
      store.put("large", large).join();
      List<ByteBuffer> released = new ArrayList<>();

      Optional<StoreHit> gotSmall =
          store.find("small", ByteBuffer::allocateDirect, released::add).join();
      Optional<StoreHit> gotLarge =
          store.find("large", ByteBuffer::allocateDirect, released::add).join();
      Optional<StoreHit> missing =
          store.find("none", ByteBuffer::allocateDirect, released::add).join();

      assertThat(bytes(((DirectObject) gotSmall.orElseThrow()).body())).isEqualTo(small.body());
      ChunkedBody largeBody = (ChunkedBody) gotLarge.orElseThrow();
      ByteBuffer largeBytes = ByteBuffer.allocate(largeBody.bodyLength());
      for (int i = 0; i < largeBody.chunkCount(); i++) {
        ByteBuffer chunk =
            store.readChunk(largeBody, i, ByteBuffer::allocateDirect, released::add).join();
        assertThat(chunk.isDirect()).isTrue();
        largeBytes.put(chunk);
      }
      assertThat(largeBytes.array()).isEqualTo(large.body());
      assertThat(largeBody.etag()).isEqualTo(large.etag());
      assertThat(missing).isEmpty();
      assertThat(released).isEmpty();
      assertThat(store.stats().hits()).isEqualTo(2);
    }
  }

  @Test
  void find_corruptValue_releasesBufferAndMisses() throws Exception {
    try (ShardStore store = open(64 * MIB)) {
      byte[] value = ValueCodec.encode(object(300_000, 3), 0);
      value[value.length / 2] ^= 0x40;
      store.putRaw("bad", value);
      List<ByteBuffer> released = new ArrayList<>();

      Optional<StoreHit> got = store.find("bad", ByteBuffer::allocateDirect, released::add).join();

      assertThat(got).isEmpty();
      assertThat(released).hasSize(1);
      assertThat(store.stats().checksumFailures()).isEqualTo(1);
    }
  }

  @Test
  void stats_afterPuts_reportWriteAmplificationInputs() throws Exception {
    try (ShardStore store = open(64 * MIB)) {
      for (int i = 0; i < 50; i++) {
        store.put("k" + i, object(100_000, i)).join();
      }
      store.flush();

      StoreStats stats = store.stats();
      assertThat(stats.bytesAdmitted()).isGreaterThanOrEqualTo(50 * 100_000L);
      // WAL + flushed table: about twice what was admitted, never less than once.
      assertThat(stats.diskBytesWritten())
          .isBetween(stats.bytesAdmitted(), 3 * stats.bytesAdmitted());
    }
  }
}
