package io.imgcdn.shard.store;

/**
 * How a store's byte bound is split between RocksDB's table files and the headroom that WAL,
 * flushes and RocksDB's own small files need.
 *
 * @param maxBytes the bound on every byte under the store's directory
 * @param writeBufferBytes RocksDB {@code write_buffer_size}: one memtable, and so about one flushed
 *     table file
 * @param maxValueBytes largest encoded value (header + body) the store admits
 * @param fixedOverheadBytes room reserved for the info LOG files, MANIFEST, OPTIONS, CURRENT,
 *     IDENTITY, LOCK
 * @param tableFilesBytes FIFO {@code max_table_files_size}: table files beyond it are dropped,
 *     oldest first
 */
record StoreBudget(
    long maxBytes,
    long writeBufferBytes,
    long maxValueBytes,
    long fixedOverheadBytes,
    long tableFilesBytes) {

  /*
   * The arithmetic (every term is an upper bound on bytes on disk at any instant):
   *
   *   memtable    m = writeBufferBytes + maxValueBytes   a memtable switches on the first write after it
   *                                                      passed write_buffer_size, so it can overrun by
   *                                                      one value
   *   WAL         2 m (+ ~0.1% record headers)           max_write_buffer_number = 2: at most the active
   *                                                      and one immutable memtable are unflushed, and the
   *                                                      WAL holds exactly what they hold; a WAL file is
   *                                                      deleted once its memtable is flushed
   *   tables      tableFilesBytes + 2 m                  FIFO drops the oldest files only after a flush
   *                                                      finished; we allow two flush outputs (each ~m,
   *                                                      uncompressed, plus index/filter < 1%) to land
   *                                                      before the drop runs
   *   spare       m                                      DiskRoom's spare file, deleted when the
   *                                                      filesystem is full so RocksDB can still log
   *                                                      deletes and FIFO drops, and flush a memtable
   *                                                      when it recovers
   *   fixed       fixedOverheadBytes                     info LOG: 3 files x 256 KiB; MANIFEST: rolled at
   *                                                      512 KiB, so old + new <= 1 MiB; OPTIONS x2,
   *                                                      CURRENT, IDENTITY, LOCK: a few tens of KiB
   *
   *   maxBytes >= tableFilesBytes + 5 m + fixed;  we reserve 6 m, the sixth for the small per-file
   *   overheads above and for a flush that starts while the previous drop is still being applied.
   *
   * Sizing: writeBufferBytes = maxBytes / 64 clamped to [1 MiB, 256 MiB] (larger memtables mean fewer
   * L0 files to probe per read; 256 GiB gives 1024 files); maxValueBytes = maxBytes / 32 clamped to
   * [.., 16 MiB] (15 MB images fit from 512 MiB up; a small store does not let one object take more
   * than 1/32 of it). fixed = 3 MiB.
   *
   * Examples: 16 MiB -> tables 4 MiB (25%); 64 MiB -> 43 MiB (67%); 512 MiB -> 365 MiB (71%);
   * 1 GiB -> 829 MiB (81%); 256 GiB -> 254.4 GiB (99.4%). That is of(); forData() puts the setting
   * into the table files whole and the headroom on top (512 MiB of data: 659 MiB of disk at most),
   * and of() is left for a filesystem that cannot give that much.
   *
   * While the store runs, its bound may be lower than maxBytes (DiskRoom: what the filesystem can
   * give); the headroom stays as sized here and the table files get what is left
   * (tableFilesBytesWithin), as long as that holds one memtable's flush (roomToWrite).
   */

  static final long MIB = 1L << 20;
  static final long FIXED_OVERHEAD_BYTES = 3 * MIB;
  static final long MAX_VALUE_BYTES_CAP = 16 * MIB;
  static final int MEMTABLE_RESERVE = 6;
  static final long INFO_LOG_FILE_BYTES = 256 * 1024;
  static final int INFO_LOG_FILES_KEPT = 3;
  static final long MANIFEST_FILE_BYTES = 512 * 1024;

  /**
   * The budget for a store that holds {@code dataBytes} of table files (shard.store.max-bytes):
   * FIFO keeps that much data, and the directory may take the headroom on top of it, stated as its
   * own figure ({@link #maxBytes}), the way a Traffic Server cache file's size is its data and the
   * operator sizes the disk for it (issue 20: with the headroom inside the setting, a 512 MiB store
   * held 71% of it as data).
   */
  static StoreBudget forData(long dataBytes) {
    long writeBuffer = Math.clamp(dataBytes / 64, MIB, 256 * MIB);
    long maxValue = Math.min(dataBytes / 32, MAX_VALUE_BYTES_CAP);
    long disk = dataBytes + MEMTABLE_RESERVE * (writeBuffer + maxValue) + FIXED_OVERHEAD_BYTES;
    return new StoreBudget(disk, writeBuffer, maxValue, FIXED_OVERHEAD_BYTES, dataBytes);
  }

  /**
   * The budget for a store whose every byte, headroom included, must stay within {@code maxBytes}:
   * a filesystem smaller than {@link #forData}'s bound.
   */
  static StoreBudget of(long maxBytes) {
    long writeBuffer = Math.clamp(maxBytes / 64, MIB, 256 * MIB);
    long maxValue = Math.min(maxBytes / 32, MAX_VALUE_BYTES_CAP);
    long tables = maxBytes - MEMTABLE_RESERVE * (writeBuffer + maxValue) - FIXED_OVERHEAD_BYTES;
    if (tables < maxBytes / 4) {
      throw new IllegalArgumentException(
          "maxBytes: "
              + maxBytes
              + " leaves "
              + tables
              + " bytes for table files (expected: >= a quarter of maxBytes; use >= "
              + StoreConfig.MIN_MAX_BYTES
              + ")");
    }
    return new StoreBudget(maxBytes, writeBuffer, maxValue, FIXED_OVERHEAD_BYTES, tables);
  }

  /** One memtable at its largest, m: also the size of DiskRoom's spare file. */
  long memtableBytes() {
    return writeBufferBytes + maxValueBytes;
  }

  /** Everything but the table files: WAL, flush outputs not yet dropped, spare, fixed files. */
  long headroomBytes() {
    return maxBytes - tableFilesBytes;
  }

  /**
   * FIFO's share of the table files within a bound lower than {@link #maxBytes} (what the
   * filesystem can give): the bound less the same headroom, rounded down to whole write buffers (so
   * that small changes of the free space do not reset RocksDB's options every time), never more
   * than {@link #tableFilesBytes}, and 0 when the headroom alone does not fit. Within one write
   * buffer of {@link #tableFilesBytes} it is all of it (a filesystem's own blocks make an empty one
   * give a little less than its size; the guard holds the bound exactly).
   */
  long tableFilesBytesWithin(long boundBytes) {
    long share = boundBytes - headroomBytes();
    if (share >= tableFilesBytes - writeBufferBytes) {
      return tableFilesBytes;
    }
    return Math.max(0, share / writeBufferBytes * writeBufferBytes);
  }

  /**
   * Whether a bound leaves the table files room for at least one memtable's flush, i.e. whether the
   * store can write within it.
   */
  boolean roomToWrite(long boundBytes) {
    return tableFilesBytesWithin(boundBytes) >= memtableBytes();
  }
}
