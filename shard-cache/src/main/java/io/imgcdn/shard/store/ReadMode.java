package io.imgcdn.shard.store;

/** How the store reads its table files (RocksDB's options); see docs/SHARD-STORE.md "The hit path". */
public enum ReadMode {
  /** Memory-mapped (allow_mmap_reads): no read syscall and no copy out of the page cache per read. */
  MMAP,
  /** pread through the OS page cache. */
  PREAD,
  /** O_DIRECT (use_direct_reads): bypasses the page cache; the block cache is the only RAM cache. Not on tmpfs. */
  DIRECT
}
