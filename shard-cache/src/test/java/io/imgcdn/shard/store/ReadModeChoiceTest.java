package io.imgcdn.shard.store;

import static io.imgcdn.shard.store.TestObjects.object;
import static io.imgcdn.shard.store.TestObjects.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The default read mode and block cache: the pure decision, the settling of a configuration, and a
 * real store.
 */
class ReadModeChoiceTest {

  private static final long MIB = 1L << 20;
  private static final long GIB = 1L << 30;
  private static final DirectIoProbe SUPPORTED = dir -> Optional.empty();
  private static final DirectIoProbe UNSUPPORTED = dir -> Optional.of("EINVAL from the test");
  private static final LongSupplier NO_MACHINE = ReadModeChoiceTest::noMachine;

  @TempDir Path dir;

  private static long noMachine() {
    throw new AssertionError("the machine's RAM was asked for");
  }

  private StoreConfig config(long maxBytes, long blockCache, ReadMode mode, long ram) {
    return new StoreConfig(
        dir, maxBytes, 2, 16, blockCache, mode, StoreConfig.DEFAULT_ADMIT_MIN_REQUESTS, ram);
  }

  @Test
  void auto_storeLargerThanRam_direct() {
    assertThat(ReadModeChoice.auto(768 * GIB, 64 * GIB, true)).isEqualTo(ReadMode.DIRECT);
    assertThat(ReadModeChoice.auto(64 * GIB + 1, 64 * GIB, true)).isEqualTo(ReadMode.DIRECT);
  }

  @Test
  void auto_storeNotLargerThanRam_pread() {
    assertThat(ReadModeChoice.auto(64 * GIB, 64 * GIB, true)).isEqualTo(ReadMode.PREAD);
    assertThat(ReadModeChoice.auto(GIB, 64 * GIB, true)).isEqualTo(ReadMode.PREAD);
  }

  @Test
  void auto_storeLargerThanRamWithoutODirect_pread() {
    assertThat(ReadModeChoice.auto(768 * GIB, 64 * GIB, false)).isEqualTo(ReadMode.PREAD);
  }

  @Test
  void defaultBlockCacheBytes_direct_halfTheRamAtMostTheStore() {
    assertThat(ReadModeChoice.defaultBlockCacheBytes(ReadMode.DIRECT, 768 * GIB, 64 * GIB))
        .isEqualTo(32 * GIB);
    assertThat(ReadModeChoice.defaultBlockCacheBytes(ReadMode.DIRECT, 512 * MIB, 24 * GIB))
        .isEqualTo(512 * MIB);
  }

  @Test
  void defaultBlockCacheBytes_preadAndMmap_quarterOfTheStoreAtMost1GiB() {
    for (ReadMode mode : new ReadMode[] {ReadMode.PREAD, ReadMode.MMAP}) {
      assertThat(ReadModeChoice.defaultBlockCacheBytes(mode, 512 * MIB, 24 * GIB))
          .isEqualTo(128 * MIB);
      assertThat(ReadModeChoice.defaultBlockCacheBytes(mode, 768 * GIB, 64 * GIB)).isEqualTo(GIB);
    }
  }

  @Test
  void defaultBlockCacheBytes_auto_refused() {
    assertThatThrownBy(() -> ReadModeChoice.defaultBlockCacheBytes(ReadMode.AUTO, GIB, GIB))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("AUTO");
  }

  @Test
  void settle_autoStoreLargerThanRam_directWithHalfTheRamAsBlockCache() throws Exception {
    ReadModeChoice.Settled s =
        ReadModeChoice.settle(
            config(512 * MIB, StoreConfig.DEFAULT_BLOCK_CACHE, ReadMode.AUTO, StoreConfig.RAM_AUTO),
            () -> 256 * MIB,
            SUPPORTED);

    assertThat(s.config().readMode()).isEqualTo(ReadMode.DIRECT);
    assertThat(s.config().blockCacheBytes()).isEqualTo(128 * MIB);
    assertThat(s.config().effectiveBlockCacheBytes()).isEqualTo(128 * MIB);
    assertThat(s.explanation())
        .contains("reads=direct", "512 MiB > RAM 256 MiB", "block cache 128 MiB");
  }

  @Test
  void settle_autoStoreWithinRam_preadWithoutProbing() throws Exception {
    AtomicInteger probes = new AtomicInteger();
    ReadModeChoice.Settled s =
        ReadModeChoice.settle(
            config(512 * MIB, StoreConfig.DEFAULT_BLOCK_CACHE, ReadMode.AUTO, StoreConfig.RAM_AUTO),
            () -> 24 * GIB,
            d -> {
              probes.incrementAndGet();
              return Optional.empty();
            });

    assertThat(s.config().readMode()).isEqualTo(ReadMode.PREAD);
    assertThat(s.config().blockCacheBytes()).isEqualTo(128 * MIB);
    assertThat(probes).hasValue(0);
    assertThat(s.explanation()).contains("reads=pread", "the page cache can hold the store");
  }

  @Test
  void settle_autoOnFilesystemWithoutODirect_preadSayingWhyAndWhere() throws Exception {
    ReadModeChoice.Settled s =
        ReadModeChoice.settle(
            config(512 * MIB, StoreConfig.DEFAULT_BLOCK_CACHE, ReadMode.AUTO, 256 * MIB),
            NO_MACHINE,
            UNSUPPORTED);

    assertThat(s.config().readMode()).isEqualTo(ReadMode.PREAD);
    assertThat(s.config().blockCacheBytes()).isEqualTo(128 * MIB);
    assertThat(s.explanation())
        .contains(
            "reads=pread",
            "O_DIRECT is not supported in " + dir,
            "EINVAL from the test",
            "shard.store.ram 256 MiB");
  }

  @Test
  void settle_explicitDirectWithoutODirect_failsNamingSettingAndDirectory() {
    assertThatThrownBy(
            () ->
                ReadModeChoice.settle(
                    config(
                        512 * MIB,
                        StoreConfig.DEFAULT_BLOCK_CACHE,
                        ReadMode.DIRECT,
                        StoreConfig.RAM_AUTO),
                    () -> 24 * GIB,
                    UNSUPPORTED))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("shard.store.reads=direct")
        .hasMessageContaining("O_DIRECT is not supported in " + dir)
        .hasMessageContaining("EINVAL from the test");
  }

  @Test
  void settle_explicitDirectSmallStore_blockCacheHoldsTheStore() throws Exception {
    ReadModeChoice.Settled s =
        ReadModeChoice.settle(
            config(
                512 * MIB, StoreConfig.DEFAULT_BLOCK_CACHE, ReadMode.DIRECT, StoreConfig.RAM_AUTO),
            () -> 24 * GIB,
            SUPPORTED);

    assertThat(s.config().readMode()).isEqualTo(ReadMode.DIRECT);
    assertThat(s.config().blockCacheBytes()).isEqualTo(512 * MIB);
  }

  @Test
  void settle_explicitBlockCacheAndRam_keptAndMachineNotAsked() throws Exception {
    ReadModeChoice.Settled none =
        ReadModeChoice.settle(
            config(512 * MIB, 0, ReadMode.AUTO, 256 * MIB), NO_MACHINE, SUPPORTED);
    ReadModeChoice.Settled some =
        ReadModeChoice.settle(
            config(512 * MIB, 64 * MIB, ReadMode.DIRECT, 256 * MIB), NO_MACHINE, SUPPORTED);

    assertThat(none.config().readMode()).isEqualTo(ReadMode.DIRECT);
    assertThat(none.config().blockCacheBytes()).isZero();
    assertThat(some.config().blockCacheBytes()).isEqualTo(64 * MIB);
    assertThat(some.config().ramBytes()).isEqualTo(256 * MIB);
  }

  @Test
  void settle_preadAndMmap_keptWithoutProbingOrAskingTheMachine() throws Exception {
    DirectIoProbe never =
        d -> {
          throw new AssertionError("probed");
        };
    for (ReadMode mode : new ReadMode[] {ReadMode.PREAD, ReadMode.MMAP}) {
      ReadModeChoice.Settled s =
          ReadModeChoice.settle(
              config(512 * MIB, StoreConfig.DEFAULT_BLOCK_CACHE, mode, StoreConfig.RAM_AUTO),
              NO_MACHINE,
              never);

      assertThat(s.config().readMode()).isEqualTo(mode);
      assertThat(s.config().blockCacheBytes()).isEqualTo(128 * MIB);
    }
  }

  @Test
  void settle_settledConfiguration_unchanged() throws Exception {
    StoreConfig once =
        ReadModeChoice.settle(
                config(512 * MIB, StoreConfig.DEFAULT_BLOCK_CACHE, ReadMode.AUTO, 256 * MIB),
                NO_MACHINE,
                SUPPORTED)
            .config();

    assertThat(ReadModeChoice.settle(once, NO_MACHINE, SUPPORTED).config()).isEqualTo(once);
  }

  @Test
  void effectiveBlockCacheBytes_autoNotSettled_refused() {
    assertThatThrownBy(() -> new StoreConfig(dir, 512 * MIB, 2, 16).effectiveBlockCacheBytes())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("AUTO");
  }

  @Test
  void new_ramZero_failsNamingField() {
    assertThatThrownBy(() -> config(512 * MIB, 0, ReadMode.AUTO, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ramBytes: 0");
  }

  @Test
  void open_autoStoreLargerThanTheRamGiven_readsTableFilesAsTheProbeAllows() throws Exception {
    // The store as a shard would open it: auto, told that RAM is smaller than the store. Where the
    // real probe says
    // O_DIRECT works (ext4, tmpfs since Linux 6.6) it reads with O_DIRECT, else with pread; either
    // way a value
    // flushed to a table file comes back after a reopen (no memtable, no block cache left).
    Path db = dir.resolve("db");
    Files.createDirectories(db);
    boolean direct = DirectIoProbe.SYSTEM.unsupportedReason(db).isEmpty();
    StoreConfig config =
        new StoreConfig(
            db,
            64 * MIB,
            2,
            16,
            StoreConfig.DEFAULT_BLOCK_CACHE,
            ReadMode.AUTO,
            StoreConfig.DEFAULT_ADMIT_MIN_REQUESTS,
            40 * MIB);
    StoredObject o = object(61_440, 3);
    try (ShardStore store = ShardStore.open(config)) {
      store.put("k", o).join();
      store.flush();
    }
    try (ShardStore store = ShardStore.open(config)) {
      assertThat(store.config().readMode()).isEqualTo(direct ? ReadMode.DIRECT : ReadMode.PREAD);
      assertThat(store.config().blockCacheBytes()).isEqualTo(direct ? 20 * MIB : 16 * MIB);
      assertThat(read(store, "k"))
          .hasValueSatisfying(v -> assertThat(v.body()).isEqualTo(o.body()));
      assertThat(Files.exists(db.resolve(DirectIoProbe.PROBE_FILE)))
          .as("probe file left behind")
          .isFalse();
    }
  }
}
