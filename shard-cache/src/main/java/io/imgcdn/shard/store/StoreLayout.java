package io.imgcdn.shard.store;

/** Where RocksDB keeps the values of a {@link ShardStore}. */
public enum StoreLayout {
  /** Values inline in block-based table files (the default; see docs/SHARD-STORE.md for why). */
  TABLE_FILES,
  /**
   * Values of 4 KiB and more in separate blob files (RocksDB's BlobDB), keys and small values in
   * table files. FIFO's max_data_files_size counts both kinds of files.
   */
  BLOB_FILES
}
