package io.imgcdn.shard.store;

import static io.imgcdn.shard.store.TestObjects.object;
import static io.imgcdn.shard.store.TestObjects.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real O_DIRECT probe against RocksDB's own verdict. /dev/shm (tmpfs) where it exists, else the
 * temporary directory: tmpfs takes O_DIRECT since Linux 6.6 and refused it before, so either answer
 * is possible, and the test checks that the probe and a store opened with direct reads agree,
 * whichever it is. (The answer "unsupported" is also tested with an injected probe in
 * ReadModeChoiceTest.)
 */
class DirectIoProbeTest {

  private static final long MIB = 1L << 20;
  private static final Path SHM = Path.of("/dev/shm");

  @TempDir Path tmp;

  @Test
  void probe_tmpfsOrTempDir_agreesWithADirectReadStore() throws Exception {
    Path parent = Files.isDirectory(SHM) && Files.isWritable(SHM) ? SHM : tmp;
    Path dir = Files.createTempDirectory(parent, "imgcdn-odirect-");
    try {
      Optional<String> unsupported = DirectIoProbe.SYSTEM.unsupportedReason(dir);
      assertThat(dir.resolve(DirectIoProbe.PROBE_FILE)).as("probe file left behind").doesNotExist();
      StoreConfig direct =
          new StoreConfig(
              dir.resolve("db"),
              64 * MIB,
              2,
              16,
              0,
              ReadMode.DIRECT,
              StoreConfig.DEFAULT_ADMIT_MIN_REQUESTS);
      if (unsupported.isEmpty()) {
        StoredObject o = object(61_440, 5);
        try (ShardStore store = ShardStore.open(direct)) {
          store.put("k", o).join();
          store.flush();
        }
        try (ShardStore store = ShardStore.open(direct)) {
          assertThat(store.config().readMode()).isEqualTo(ReadMode.DIRECT);
          assertThat(read(store, "k"))
              .as("read from a table file with O_DIRECT in %s", dir)
              .hasValueSatisfying(v -> assertThat(v.body()).isEqualTo(o.body()));
        }
      } else {
        assertThatThrownBy(() -> ShardStore.open(direct))
            .isInstanceOf(IOException.class)
            .hasMessageContaining("shard.store.reads=direct")
            .hasMessageContaining(dir.resolve("db").toString());
      }
    } finally {
      try (Stream<Path> all = Files.walk(dir)) {
        all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void probe_missingDirectory_unsupportedWithTheReason() {
    Path missing = tmp.resolve("not-there");

    assertThat(DirectIoProbe.SYSTEM.unsupportedReason(missing))
        .hasValueSatisfying(reason -> assertThat(reason).contains("not-there"));
    assertThat(missing).doesNotExist();
  }
}
