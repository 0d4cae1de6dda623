package io.imgcdn.shard.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A byte flipped in a table file on disk is caught by the value's own CRC32C: hit reads skip
 * RocksDB's block checksum, so this is the check that must cover every byte a hit serves (header
 * and body).
 */
class ShardStoreDiskCorruptionTest {

  private static final long MIB = 1L << 20;
  private static final int BODY_BYTES = 61_440;

  @TempDir Path dir;

  private static byte[] body() {
    byte[] body = new byte[BODY_BYTES];
    new Random(7).nextBytes(body);
    return body;
  }

  private StoreConfig config() {
    // No block cache: every read goes to the table file, as a cold hit does.
    return new StoreConfig(
        dir.resolve("db"),
        64 * MIB,
        2,
        64,
        0,
        ReadMode.PREAD,
        StoreConfig.DEFAULT_ADMIT_MIN_REQUESTS);
  }

  /** Writes one object into a table file, then flips one byte of {@code marker} in that file. */
  private void storeAndCorrupt(byte[] marker) throws Exception {
    try (ShardStore store = ShardStore.open(config())) {
      store
          .put(
              "k",
              new StoredObject("image/webp", "\"etag-1\"", "", "public, max-age=60", 1, body()))
          .join();
      store.flush();
    }
    int flipped = 0;
    try (Stream<Path> files = Files.list(dir.resolve("db"))) {
      for (Path table : files.filter(f -> f.toString().endsWith(".sst")).toList()) {
        byte[] bytes = Files.readAllBytes(table);
        int at = indexOf(bytes, marker);
        if (at >= 0) {
          bytes[at + marker.length / 2] ^= 0x01;
          Files.write(table, bytes);
          flipped++;
        }
      }
    }
    assertThat(flipped).as("table files holding the marker").isEqualTo(1);
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void find_bodyByteFlippedOnDisk_missesAndCountsChecksumFailure() throws Exception {
    storeAndCorrupt(Arrays.copyOfRange(body(), 30_000, 30_064));

    try (ShardStore store = ShardStore.open(config())) {
      List<ByteBuffer> released = new ArrayList<>();
      Optional<StoreHit> got = store.find("k", ByteBuffer::allocateDirect, released::add).join();

      assertThat(got).isEmpty();
      assertThat(released).hasSize(1);
      assertThat(store.stats().checksumFailures()).isEqualTo(1);
    }
  }

  @Test
  void find_headerByteFlippedOnDisk_missesAndCountsChecksumFailure() throws Exception {
    storeAndCorrupt("public, max-age=60".getBytes(StandardCharsets.US_ASCII));

    try (ShardStore store = ShardStore.open(config())) {
      assertThat(store.find("k", ByteBuffer::allocateDirect, b -> {}).join()).isEmpty();
      assertThat(store.stats().checksumFailures()).isEqualTo(1);
    }
  }
}
