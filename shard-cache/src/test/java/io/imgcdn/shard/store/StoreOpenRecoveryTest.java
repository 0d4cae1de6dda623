package io.imgcdn.shard.store;

import static io.imgcdn.shard.store.TestObjects.object;
import static io.imgcdn.shard.store.TestObjects.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;

/**
 * A store RocksDB cannot open because of its files is moved aside and starts empty, with one log
 * line (issue 18: "Bad table magic number" kept a shard down until someone deleted its directory);
 * one that cannot be opened because of its surroundings fails, its files left as they are.
 */
class StoreOpenRecoveryTest {

  private static final long MIB = 1L << 20;

  @TempDir Path dir;
  private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
  private final Logger storeLog = (Logger) LoggerFactory.getLogger("io.imgcdn.shard.store");

  @BeforeEach
  void listen() {
    logged.start();
    storeLog.addAppender(logged);
  }

  @AfterEach
  void stopListening() {
    storeLog.detachAppender(logged);
  }

  private Path store() {
    return dir.resolve("store");
  }

  private StoreConfig config() {
    return new StoreConfig(store(), 64 * MIB, 2, 64);
  }

  /** What the test writes into a closed store's files. */
  enum Damage {
    TABLE_FOOTER {
      @Override
      void apply(Path store) throws IOException {
        try (RandomAccessFile table = new RandomAccessFile(first(store, ".sst").toFile(), "rw")) {
          table.seek(table.length() - 8);
          table.write(new byte[8]); // the magic number
        }
      }
    },
    MANIFEST_GARBLED {
      @Override
      void apply(Path store) throws IOException {
        Path manifest = first(store, "MANIFEST-");
        byte[] bytes = Files.readAllBytes(manifest);
        for (int i = 0; i < bytes.length; i += 7) {
          bytes[i] ^= 0x5a;
        }
        Files.write(manifest, bytes);
      }
    },
    MANIFEST_MISSING {
      @Override
      void apply(Path store) throws IOException {
        Files.delete(first(store, "MANIFEST-"));
      }
    },
    CURRENT_GARBLED {
      @Override
      void apply(Path store) throws IOException {
        Files.writeString(store.resolve("CURRENT"), "not a manifest\n");
      }
    },
    CURRENT_EMPTY {
      @Override
      void apply(Path store) throws IOException {
        Files.write(store.resolve("CURRENT"), new byte[0]);
      }
    };

    abstract void apply(Path store) throws IOException;
  }

  private static Path first(Path store, String nameMatch) throws IOException {
    try (Stream<Path> files = Files.list(store)) {
      return files
          .filter(
              p -> {
                String name = p.getFileName().toString();
                return name.startsWith(nameMatch) || name.endsWith(nameMatch);
              })
          .sorted()
          .findFirst()
          .orElseThrow(() -> new IOException("no " + nameMatch + " in " + store));
    }
  }

  /** A store with objects in a table file and in the WAL, closed. */
  private void fill(int objects) throws Exception {
    try (ShardStore store = ShardStore.open(config())) {
      for (int i = 0; i < objects; i++) {
        store.put("k" + i, object(60_000, i)).join();
        if (i == objects / 2) {
          store.flush();
        }
      }
    }
  }

  private List<Path> asideCopies() throws IOException {
    try (Stream<Path> siblings = Files.list(dir)) {
      return siblings
          .filter(p -> p.getFileName().toString().startsWith("store" + OpenRecovery.ASIDE_SUFFIX))
          .toList();
    }
  }

  private List<String> warnings() {
    return logged.list.stream()
        .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
        .map(ILoggingEvent::getFormattedMessage)
        .toList();
  }

  @ParameterizedTest
  @EnumSource(Damage.class)
  void open_filesDamaged_movedAsideStartsEmptyOneLineAndWrites(Damage damage) throws Exception {
    fill(40);
    damage.apply(store());
    logged.list.clear();

    try (ShardStore store = ShardStore.open(config())) {
      assertThat(store.recoveredAtOpen()).hasValue(ShardStore.RECOVERED_UNREADABLE);
      assertThat(read(store, "k1")).as("starts empty").isEmpty();
      store.put("after", object(1000, 1)).join();
      assertThat(read(store, "after")).isPresent();
      assertThat(store.writable()).isTrue();
    }
    List<String> warnings = warnings();
    System.out.printf("RECOVERY %s: %s%n", damage, warnings);
    assertThat(warnings).hasSize(1);
    assertThat(warnings.getFirst())
        .contains("cannot be opened", "moved aside to", "starting empty");
    List<Path> aside = asideCopies();
    assertThat(aside).hasSize(1);
    assertThat(aside.getFirst().resolve("CURRENT")).as("kept for inspection").exists();
  }

  @Test
  void open_damagedTwice_keepsOnlyTheNewerCopy() throws Exception {
    fill(20);
    Damage.TABLE_FOOTER.apply(store());
    ShardStore.open(config()).close();
    Path firstCopy = asideCopies().getFirst();

    fill(20);
    Damage.CURRENT_GARBLED.apply(store());
    try (ShardStore store = ShardStore.open(config())) {
      assertThat(store.recoveredAtOpen()).hasValue(ShardStore.RECOVERED_UNREADABLE);
    }

    List<Path> aside = asideCopies();
    assertThat(aside).hasSize(1).doesNotContain(firstCopy);
    assertThat(Files.readString(aside.getFirst().resolve("CURRENT")))
        .as("the second damage is the one kept")
        .isEqualTo("not a manifest\n");
    assertThat(warnings()).anyMatch(w -> w.contains("the copy moved aside before was deleted"));
  }

  @Test
  void open_lockHeldByAnotherStore_failsAndLeavesTheFiles() throws Exception {
    try (ShardStore running = ShardStore.open(config())) {
      running.put("k", object(1000, 1)).join();

      assertThatThrownBy(() -> ShardStore.open(config()))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("lock")
          .hasMessageContaining("not of the store's files");

      assertThat(asideCopies()).isEmpty();
      assertThat(read(running, "k")).as("the running store is untouched").isPresent();
    }
  }

  @Test
  void open_directoryIsAFile_failsNamingIt() throws Exception {
    Files.writeString(store(), "not a directory");

    assertThatThrownBy(() -> ShardStore.open(config())).isInstanceOf(IOException.class);

    assertThat(Files.readString(store())).isEqualTo("not a directory");
    assertThat(asideCopies()).isEmpty();
  }

  @Test
  void open_readOnlyFilesystem_failsAndLeavesTheFiles() throws Exception {
    try (SmallDisk disk = SmallDisk.mount(dir.resolve("ro-disk"), 32 * MIB)) {
      StoreConfig config = new StoreConfig(disk.path().resolve("store"), 16 * MIB, 2, 64);
      try (ShardStore store = ShardStore.open(config)) {
        store.put("k", object(1000, 1)).join();
      }
      disk.readOnly();

      assertThatThrownBy(() -> ShardStore.open(config))
          .isInstanceOf(IOException.class)
          .hasMessageContaining("Read-only file system");

      assertThat(disk.path().resolve("store").resolve("CURRENT")).exists();
      try (Stream<Path> files = Files.list(disk.path())) {
        assertThat(files.map(p -> p.getFileName().toString())).containsExactly("store");
      }
    }
  }

  @Test
  void classify_statusesRocksDbGives_contentsOnlyForItsFiles() {
    Path store = Path.of("/srv/ssd1/imgcdn");
    assertThat(
            OpenRecovery.classify(
                new org.rocksdb.RocksDBException(
                    "While opening a file for sequentially reading:"
                        + " /srv/ssd1/imgcdn/MANIFEST-000005: No such file or directory",
                    new org.rocksdb.Status(
                        org.rocksdb.Status.Code.IOError, org.rocksdb.Status.SubCode.None, null)),
                store))
        .isEqualTo(OpenRecovery.Cause.CONTENTS);
    assertThat(
            OpenRecovery.classify(
                new org.rocksdb.RocksDBException(
                    "While open a file for appending: /srv/ssd1/imgcdn/LOCK: Permission denied",
                    new org.rocksdb.Status(
                        org.rocksdb.Status.Code.IOError, org.rocksdb.Status.SubCode.None, null)),
                store))
        .isEqualTo(OpenRecovery.Cause.OTHER);
    assertThat(
            OpenRecovery.classify(
                new org.rocksdb.RocksDBException(
                    "While opening a file for sequentially reading: /srv/ssd1/CURRENT: No such file"
                        + " or directory",
                    new org.rocksdb.Status(
                        org.rocksdb.Status.Code.IOError, org.rocksdb.Status.SubCode.None, null)),
                store))
        .as("not a file of the store")
        .isEqualTo(OpenRecovery.Cause.OTHER);
    assertThat(
            OpenRecovery.classify(
                new org.rocksdb.RocksDBException(
                    "While appending to file: /srv/ssd1/imgcdn/000041.sst: No space left on device",
                    new org.rocksdb.Status(
                        org.rocksdb.Status.Code.IOError, org.rocksdb.Status.SubCode.NoSpace, null)),
                store))
        .isEqualTo(OpenRecovery.Cause.NO_SPACE);
  }
}
