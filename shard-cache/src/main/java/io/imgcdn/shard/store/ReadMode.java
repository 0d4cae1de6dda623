package io.imgcdn.shard.store;

/** How the store reads its table files (RocksDB's options); see docs/SHARD-STORE.md "The hit path". */
public enum ReadMode {
  /** pread through the OS page cache; blocks read enter the block cache. The default. */
  PREAD,
  /**
   * Memory-mapped (allow_mmap_reads): no read syscall and no copy out of the page cache per read, but blocks
   * never enter the block cache, a cold read faults its pages in one by one, and a disk read error is a SIGBUS
   * that ends the JVM instead of a miss.
   */
  MMAP,
  /** O_DIRECT (use_direct_reads): bypasses the page cache; the block cache is the only RAM cache. Not on tmpfs. */
  DIRECT
}
