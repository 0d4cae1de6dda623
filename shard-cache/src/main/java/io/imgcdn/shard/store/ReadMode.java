package io.imgcdn.shard.store;

/**
 * How the store reads its table files (RocksDB's options); see docs/SHARD-STORE.md "Read modes and
 * the block cache" and "Default read mode (session 4)".
 */
public enum ReadMode {
  /**
   * The default: {@link #DIRECT} when the store cannot live in the page cache (its maxBytes above
   * the RAM the store may assume) and the directory's filesystem takes O_DIRECT, else {@link
   * #PREAD}. Settled once, when the store opens ({@link ReadModeChoice}); a running store never
   * reads in this mode.
   */
  AUTO,
  /** pread through the OS page cache; blocks read enter the block cache. */
  PREAD,
  /**
   * Memory-mapped (allow_mmap_reads): no read syscall and no copy out of the page cache per read,
   * but blocks never enter the block cache, a cold read faults its pages in one by one, and a disk
   * read error is a SIGBUS that ends the JVM instead of a miss.
   */
  MMAP,
  /**
   * O_DIRECT (use_direct_reads): bypasses the page cache; the block cache is the only RAM cache, so
   * its default size is a share of RAM in this mode. The store refuses to open where the filesystem
   * does not take O_DIRECT.
   */
  DIRECT
}
