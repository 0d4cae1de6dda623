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
 */
public record StoreConfig(Path directory, long maxBytes, int threads, int queueCapacity) {

  /** Smallest accepted {@link #maxBytes()}: below it RocksDB's fixed files and buffers leave no room for data. */
  public static final long MIN_MAX_BYTES = 16L << 20;

  /** Upper bound of {@link #threads()}. */
  public static final int MAX_THREADS = 256;

  public StoreConfig {
    Objects.requireNonNull(directory, "directory");
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
}
