package io.imgcdn.shard.store;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Settings of one {@link ShardStore}.
 *
 * @param directory     the RocksDB directory; the store owns everything under it
 * @param maxBytes      hard bound on the bytes of all files under {@code directory}
 * @param threads       platform threads that run RocksDB calls
 * @param queueCapacity calls that may wait for a thread before new ones are rejected
 * @param blockCacheBytes RocksDB's block cache (uncompressed blocks in RAM; hits found there are answered
 *                      without a file read, on the caller's thread: {@link ShardStore#getCached}); 0 for
 *                      none, {@link #DEFAULT_BLOCK_CACHE} for min(1 GiB, maxBytes / 4)
 * @param readMode     how table files are read: {@link ReadMode#PREAD} (the default), {@link ReadMode#MMAP}
 *                      (cheaper warm hits, dearer cold ones, SIGBUS on a read error) or {@link ReadMode#DIRECT}
 *                      (O_DIRECT, as Traffic Server reads its cache; not on tmpfs)
 * @param admitMinRequests {@link ShardStore#offer} writes a key from this many recent requests on (1..15;
 *                      default {@value #DEFAULT_ADMIT_MIN_REQUESTS}); {@link ShardStore#put} ignores it
 */
public record StoreConfig(Path directory, long maxBytes, int threads, int queueCapacity, long blockCacheBytes,
    ReadMode readMode, int admitMinRequests) {

  /** Smallest accepted {@link #maxBytes()}: below it RocksDB's fixed files and buffers leave no room for data. */
  public static final long MIN_MAX_BYTES = 16L << 20;

  /** Upper bound of {@link #threads()}. */
  public static final int MAX_THREADS = 256;

  /** {@link #blockCacheBytes()} that means min(1 GiB, maxBytes / 4). */
  public static final long DEFAULT_BLOCK_CACHE = -1;

  /** Default of {@link #admitMinRequests()}: chosen by simulation (docs/SHARD-STORE.md). */
  public static final int DEFAULT_ADMIT_MIN_REQUESTS = HotSetPolicy.ADMIT_MIN_FREQUENCY;

  /** Largest {@link #admitMinRequests()}: the frequency sketch counts to 15. */
  public static final int MAX_ADMIT_MIN_REQUESTS = 15;

  /** Settings with the default block cache and admission threshold. */
  public StoreConfig(Path directory, long maxBytes, int threads, int queueCapacity) {
    this(directory, maxBytes, threads, queueCapacity, DEFAULT_BLOCK_CACHE, ReadMode.PREAD, DEFAULT_ADMIT_MIN_REQUESTS);
  }

  public StoreConfig {
    Objects.requireNonNull(directory, "directory");
    Objects.requireNonNull(readMode, "readMode");
    if (blockCacheBytes < DEFAULT_BLOCK_CACHE) {
      throw new IllegalArgumentException("blockCacheBytes: " + blockCacheBytes + " (expected: >= 0, or -1 for the "
          + "default)");
    }
    if (admitMinRequests < 1 || admitMinRequests > MAX_ADMIT_MIN_REQUESTS) {
      throw new IllegalArgumentException("admitMinRequests: " + admitMinRequests + " (expected: 1.."
          + MAX_ADMIT_MIN_REQUESTS + ")");
    }
    if (maxBytes < MIN_MAX_BYTES) {
      throw new IllegalArgumentException("maxBytes: " + maxBytes + " (expected: >= " + MIN_MAX_BYTES + ", 16 MiB)");
    }
    if (threads < 1 || threads > MAX_THREADS) {
      throw new IllegalArgumentException("threads: " + threads + " (expected: 1.." + MAX_THREADS + ")");
    }
    if (queueCapacity < 1) {
      throw new IllegalArgumentException("queueCapacity: " + queueCapacity + " (expected: >= 1)");
    }
  }

  /** The block cache size this configuration gives. */
  public long effectiveBlockCacheBytes() {
    return blockCacheBytes == DEFAULT_BLOCK_CACHE ? Math.min(1L << 30, maxBytes / 4) : blockCacheBytes;
  }
}
