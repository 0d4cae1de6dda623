package io.imgcdn.shard.store;

import java.io.IOException;
import java.util.Optional;
import java.util.function.LongSupplier;

/** How a store settles {@link ReadMode#AUTO} and the default block cache when it opens. */
public final class ReadModeChoice {

  /*
   * Why (bench/results/2026-11-shard-vs-ats.md "Default read mode (session 4)" has the
   * measurements):
   *
   * - A cold 64 KiB read costs this VM ~60 µs of CPU through the page cache (pread) and ~30 µs with O_DIRECT;
   *   over HTTP the shard served 0.77x Traffic Server's cold hits/s with pread and 1.00x with O_DIRECT. Cold
   *   reads are the normal case of a store far larger than RAM (pixiv: 3 x 256 GB of SSD per node): the page
   *   cache cannot hold its hot set, and Traffic Server reads such a disk with O_DIRECT into its own RAM cache.
   * - O_DIRECT gives up the page cache, so the block cache becomes the only RAM copy and must be large: with a
   *   32 MiB block cache and a 117 MiB set that the page cache held, O_DIRECT served 0.35x ATS's warm rate. Hence
   *   DIRECT only when the store is larger than the RAM (then the page cache could not hold it anyway), and a
   *   default block cache of half the RAM in that mode (the other half: heap, memtables (up to 2 x 256 MiB),
   *   table readers' indexes and filters, pooled direct buffers, the page cache of the WAL and of fresh tables,
   *   malloc's slack around 64 KiB blocks). At maxBytes <= RAM the page cache can hold the whole store, keeps it
   *   across restarts and gives memory back under pressure: pread.
   * - O_DIRECT is refused by some filesystems (ramfs, tmpfs before Linux 6.6, some FUSE/network mounts): AUTO
   *   asks the directory (DirectIoProbe) before choosing DIRECT and reads with pread there, saying why; an
   *   explicit DIRECT there fails at open, naming the setting and the directory, instead of RocksDB's
   *   "Direct I/O is not supported by the specified DB" after it has created its files.
   */

  /** Block cache cap with pread and mmap, where the page cache holds the rest of the hot set. */
  static final long PAGE_CACHE_MODE_BLOCK_CACHE_CAP = 1L << 30;

  /**
   * A configuration with its read mode, block cache and RAM settled (never {@link ReadMode#AUTO}
   * nor {@link StoreConfig#DEFAULT_BLOCK_CACHE}), and one line that says what was chosen and why.
   */
  public record Settled(StoreConfig config, String explanation) {}

  private ReadModeChoice() {}

  /**
   * What {@link ReadMode#AUTO} reads with: O_DIRECT iff the store is larger than the RAM and
   * O_DIRECT works.
   */
  public static ReadMode auto(long maxBytes, long ramBytes, boolean directSupported) {
    return maxBytes > ramBytes && directSupported ? ReadMode.DIRECT : ReadMode.PREAD;
  }

  /**
   * The default block cache of a settled read mode: min(maxBytes, RAM / 2) with {@link
   * ReadMode#DIRECT} (the only RAM copy of the hot set), min(1 GiB, maxBytes / 4) with pread and
   * mmap (the page cache holds the rest).
   */
  public static long defaultBlockCacheBytes(ReadMode mode, long maxBytes, long ramBytes) {
    return switch (mode) {
      case DIRECT -> Math.min(maxBytes, ramBytes / 2);
      case PREAD, MMAP -> Math.min(PAGE_CACHE_MODE_BLOCK_CACHE_CAP, maxBytes / 4);
      case AUTO -> throw new IllegalArgumentException("mode: AUTO (expected: a settled mode)");
    };
  }

  /**
   * Settles {@code config}: {@link ReadMode#AUTO} by {@link #auto} (asking {@code probe} only when
   * the store is larger than the RAM), the default block cache by {@link #defaultBlockCacheBytes},
   * {@link StoreConfig#RAM_AUTO} by {@code machineRam} (asked only if a default needs it). Explicit
   * values are kept. The directory must exist.
   *
   * @throws IOException if the configuration asks for {@link ReadMode#DIRECT} and the directory's
   *     filesystem does not take O_DIRECT
   */
  public static Settled settle(StoreConfig config, LongSupplier machineRam, DirectIoProbe probe)
      throws IOException {
    ReadMode asked = config.readMode();
    boolean needsRam =
        asked == ReadMode.AUTO
            || asked == ReadMode.DIRECT
                && config.blockCacheBytes() == StoreConfig.DEFAULT_BLOCK_CACHE;
    long ram =
        config.ramBytes() != StoreConfig.RAM_AUTO || !needsRam
            ? config.ramBytes()
            : machineRam.getAsLong();
    String ramText =
        config.ramBytes() == StoreConfig.RAM_AUTO
            ? "RAM " + mib(ram)
            : "shard.store.ram " + mib(ram);
    ReadMode mode;
    String why;
    switch (asked) {
      case AUTO -> {
        if (config.maxBytes() <= ram) {
          mode = ReadMode.PREAD;
          why =
              "auto: max-bytes "
                  + mib(config.maxBytes())
                  + " <= "
                  + ramText
                  + ", the page cache can hold the store";
        } else {
          Optional<String> unsupported = probe.unsupportedReason(config.directory());
          mode = auto(config.maxBytes(), ram, unsupported.isEmpty());
          why =
              "auto: max-bytes "
                  + mib(config.maxBytes())
                  + " > "
                  + ramText
                  + (unsupported.isEmpty()
                      ? ", the page cache cannot hold the store"
                      : ", but O_DIRECT is not supported in "
                          + config.directory()
                          + " ("
                          + unsupported.get()
                          + ")");
        }
      }
      case DIRECT -> {
        Optional<String> unsupported = probe.unsupportedReason(config.directory());
        if (unsupported.isPresent()) {
          throw new IOException(
              "shard.store.reads=direct: O_DIRECT is not supported in "
                  + config.directory()
                  + " ("
                  + unsupported.get()
                  + "; expected: a filesystem that takes O_DIRECT, such as ext4 or xfs); "
                  + "use shard.store.reads=auto or pread there");
        }
        mode = ReadMode.DIRECT;
        why = "configured";
      }
      default -> {
        mode = asked;
        why = "configured";
      }
    }
    long blockCache = config.blockCacheBytes();
    String cacheWhy = "configured";
    if (blockCache == StoreConfig.DEFAULT_BLOCK_CACHE) {
      blockCache = defaultBlockCacheBytes(mode, config.maxBytes(), ram);
      cacheWhy =
          mode == ReadMode.DIRECT
              ? "auto: min(max-bytes, " + ramText + " / 2)"
              : "auto: min(1 GiB, max-bytes / 4)";
    }
    StoreConfig settled =
        new StoreConfig(
            config.directory(),
            config.maxBytes(),
            config.threads(),
            config.queueCapacity(),
            blockCache,
            mode,
            config.admitMinRequests(),
            config.ramBytes(),
            config.diskReserveBytes());
    return new Settled(
        settled,
        "reads="
            + mode.name().toLowerCase(java.util.Locale.ROOT)
            + " ("
            + why
            + "), block cache "
            + mib(blockCache)
            + " ("
            + cacheWhy
            + ")");
  }

  private static String mib(long bytes) {
    return (bytes >> 20) + " MiB";
  }
}
