package io.imgcdn.shard.store;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Settings of one {@link ShardStore}.
 *
 * @param directory the RocksDB directory; the store owns everything under it
 * @param maxBytes bytes of data the store holds (its table files); the directory takes up to this
 *     plus a headroom sized from it (StoreBudget.forData: WAL, flushes, spare file)
 * @param threads platform threads that run RocksDB calls
 * @param queueCapacity calls that may wait for a thread before new ones are rejected
 * @param blockCacheBytes RocksDB's block cache (uncompressed blocks in RAM; hits found there are
 *     answered without a file read, on the caller's thread: {@link ShardStore#getCached}); 0 for
 *     none, {@link #DEFAULT_BLOCK_CACHE} for the read mode's default ({@link
 *     ReadModeChoice#defaultBlockCacheBytes}: min(1 GiB, maxBytes / 4) with pread or mmap,
 *     min(maxBytes, RAM / 2) with O_DIRECT)
 * @param readMode how table files are read: {@link ReadMode#AUTO} (the default: O_DIRECT when
 *     maxBytes is above the RAM and the filesystem takes it, else pread), {@link ReadMode#PREAD},
 *     {@link ReadMode#MMAP} (cheaper warm hits, dearer cold ones, SIGBUS on a read error) or {@link
 *     ReadMode#DIRECT} (O_DIRECT, as Traffic Server reads its cache; refused where the filesystem
 *     does not take it)
 * @param admitMinRequests {@link ShardStore#offer} writes a key from this many recent requests on
 *     (1..15; default {@value #DEFAULT_ADMIT_MIN_REQUESTS}); {@link ShardStore#put} ignores it
 * @param ramBytes the RAM the read-mode and block-cache defaults assume; {@link #RAM_AUTO} for the
 *     machine's ({@link MachineMemory#totalBytes()}: MemTotal, or the cgroup's limit if lower). Set
 *     it to this store's share where several stores or other services share the machine
 * @param diskReserveBytes bytes of the directory's filesystem the store leaves free: its bound is
 *     the lower of {@code maxBytes} plus its headroom and what the filesystem can give (its own
 *     bytes plus the free space, minus this); {@link #DISK_RESERVE_AUTO} for {@link
 *     DiskRoom#autoReserveBytes} (1% of the filesystem, at least 8 MiB and at most 1 GiB)
 */
public record StoreConfig(
    Path directory,
    long maxBytes,
    int threads,
    int queueCapacity,
    long blockCacheBytes,
    ReadMode readMode,
    int admitMinRequests,
    long ramBytes,
    long diskReserveBytes) {

  /**
   * Smallest accepted {@link #maxBytes()}: below it RocksDB's fixed files and buffers leave no room
   * for data.
   */
  public static final long MIN_MAX_BYTES = 16L << 20;

  /** Upper bound of {@link #threads()}. */
  public static final int MAX_THREADS = 256;

  /**
   * {@link #blockCacheBytes()} that means the read mode's default ({@link
   * ReadModeChoice#defaultBlockCacheBytes}).
   */
  public static final long DEFAULT_BLOCK_CACHE = -1;

  /** {@link #ramBytes()} that means the machine's ({@link MachineMemory#totalBytes()}). */
  public static final long RAM_AUTO = -1;

  /** {@link #diskReserveBytes()} that means {@link DiskRoom#autoReserveBytes}. */
  public static final long DISK_RESERVE_AUTO = -1;

  /**
   * Default of {@link #admitMinRequests()}: chosen by simulation (docs/BENCHMARKS.md, "Shard
   * store").
   */
  public static final int DEFAULT_ADMIT_MIN_REQUESTS = HotSetPolicy.ADMIT_MIN_FREQUENCY;

  /** Largest {@link #admitMinRequests()}: the frequency sketch counts to 15. */
  public static final int MAX_ADMIT_MIN_REQUESTS = 15;

  /** Settings with the default block cache, read mode, admission threshold and RAM. */
  public StoreConfig(Path directory, long maxBytes, int threads, int queueCapacity) {
    this(
        directory,
        maxBytes,
        threads,
        queueCapacity,
        DEFAULT_BLOCK_CACHE,
        ReadMode.AUTO,
        DEFAULT_ADMIT_MIN_REQUESTS);
  }

  /** Settings with the machine's RAM ({@link #RAM_AUTO}). */
  public StoreConfig(
      Path directory,
      long maxBytes,
      int threads,
      int queueCapacity,
      long blockCacheBytes,
      ReadMode readMode,
      int admitMinRequests) {
    this(
        directory,
        maxBytes,
        threads,
        queueCapacity,
        blockCacheBytes,
        readMode,
        admitMinRequests,
        RAM_AUTO);
  }

  /** Settings with the default disk reserve ({@link #DISK_RESERVE_AUTO}). */
  public StoreConfig(
      Path directory,
      long maxBytes,
      int threads,
      int queueCapacity,
      long blockCacheBytes,
      ReadMode readMode,
      int admitMinRequests,
      long ramBytes) {
    this(
        directory,
        maxBytes,
        threads,
        queueCapacity,
        blockCacheBytes,
        readMode,
        admitMinRequests,
        ramBytes,
        DISK_RESERVE_AUTO);
  }

  public StoreConfig {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(readMode, "readMode");
    if (blockCacheBytes < DEFAULT_BLOCK_CACHE) {
      throw new IllegalArgumentException(
          "blockCacheBytes: " + blockCacheBytes + " (expected: >= 0, or -1 for the " + "default)");
    }
    if (admitMinRequests < 1 || admitMinRequests > MAX_ADMIT_MIN_REQUESTS) {
      throw new IllegalArgumentException(
          "admitMinRequests: "
              + admitMinRequests
              + " (expected: 1.."
              + MAX_ADMIT_MIN_REQUESTS
              + ")");
    }
    if (maxBytes < MIN_MAX_BYTES) {
      throw new IllegalArgumentException(
          "maxBytes: " + maxBytes + " (expected: >= " + MIN_MAX_BYTES + ", 16 MiB)");
    }
    if (threads < 1 || threads > MAX_THREADS) {
      throw new IllegalArgumentException(
          "threads: " + threads + " (expected: 1.." + MAX_THREADS + ")");
    }
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queueCapacity: " + queueCapacity + " (expected: >= 1)");
    }
    if (ramBytes < 1 && ramBytes != RAM_AUTO) {
      throw new IllegalArgumentException(
          "ramBytes: " + ramBytes + " (expected: > 0, or -1 for the machine's)");
    }
    if (diskReserveBytes < DISK_RESERVE_AUTO) {
      throw new IllegalArgumentException(
          "diskReserveBytes: " + diskReserveBytes + " (expected: >= 0, or -1 for auto)");
    }
  }

  /** The same settings with another disk reserve ({@link #DISK_RESERVE_AUTO} for auto). */
  public StoreConfig withDiskReserveBytes(long bytes) {
    return new StoreConfig(
        directory,
        maxBytes,
        threads,
        queueCapacity,
        blockCacheBytes,
        readMode,
        admitMinRequests,
        ramBytes,
        bytes);
  }

  /**
   * The block cache size this configuration gives: {@link #blockCacheBytes()}, or the default of
   * its read mode. An {@link ReadMode#AUTO} configuration with the default block cache has none
   * until {@link ShardStore#open} settles it ({@link ReadModeChoice#settle}); asking then is an
   * {@link IllegalStateException}.
   */
  public long effectiveBlockCacheBytes() {
    if (blockCacheBytes != DEFAULT_BLOCK_CACHE) {
      return blockCacheBytes;
    }
    if (readMode == ReadMode.AUTO) {
      throw new IllegalStateException(
          "readMode AUTO with the default block cache: not settled yet "
              + "(ReadModeChoice.settle, as ShardStore.open does)");
    }
    long ram =
        readMode == ReadMode.DIRECT && ramBytes == RAM_AUTO ? MachineMemory.totalBytes() : ramBytes;
    return ReadModeChoice.defaultBlockCacheBytes(readMode, maxBytes, ram);
  }
}
