package io.imgcdn.shard.store;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * What the filesystem under the store's directory can give the store: its own bytes plus the free
 * space, less a reserve left to everything else; and the spare file that is given back when the
 * filesystem is full anyway.
 */
final class DiskRoom {

  /*
   * The bound. The store's effective bound is
   *
   *     bound = min(maxBytes, storeBytes + usable - reserve)
   *
   * storeBytes + usable is what the store could hold if it had the free space to itself; the reserve is
   * left free for everything else on the filesystem (the node's logs, the OS, another store). The store's
   * own writes move bytes from usable to storeBytes and leave the bound where it is; other writers lower
   * it, and the store then evicts (StoreSpace lowers FIFO's share) instead of running the disk full. A
   * store that filled its filesystem itself stopped for good: RocksDB turned read-only on ENOSPC and
   * could not recover, since FIFO drops (its only way to free space) stop in that state, and a restart
   * failed too because the WAL's recovery flush found no room (issue 18, reproduced with RocksDB 11.8).
   *
   * The reserve's default: 1% of the filesystem, at least 8 MiB (RocksDB's LOG, MANIFEST and OPTIONS
   * writes, a few delete records) and at most 1 GiB. usable is what statfs gives an unprivileged process
   * (f_bavail), so ext4's root reserve is never counted as free.
   *
   * The spare. A file of one memtable's bytes (StoreBudget.memtableBytes, inside the store's bound) in
   * the store's directory. When the filesystem is full anyway (another writer took the reserve and
   * more, faster than the store could evict) it is deleted first: RocksDB then has room to log FIFO
   * drops and deletes (a purge works) and to recover from a no-space error (its SstFileManager resumes
   * writes only once write_buffer_size bytes are free, then flushes a memtable). It is written again once
   * the filesystem has room for it above the reserve. RocksDB ignores files it did not name.
   *
   * Sizes are file lengths (StoreDatabase turns fallocate off, so a length is what a file takes).
   */

  static final String SPARE_FILE = "imgcdn.spare";
  static final long MIB = 1L << 20;
  static final long AUTO_RESERVE_MIN_BYTES = 8 * MIB;
  static final long AUTO_RESERVE_MAX_BYTES = 1024 * MIB;

  /** What one measurement found. */
  record Room(long storeBytes, long usableBytes, long boundBytes) {}

  private final Path directory;
  private final FileStore fileStore;
  private final long maxBytes;
  private final long reserveBytes;

  private DiskRoom(Path directory, FileStore fileStore, long maxBytes, long reserveBytes) {
    this.directory = directory;
    this.fileStore = fileStore;
    this.maxBytes = maxBytes;
    this.reserveBytes = reserveBytes;
  }

  /**
   * The room of {@code config}'s directory, which exists, for a store that may take {@code
   * maxBytes} (its data and headroom, StoreBudget.forData).
   */
  static DiskRoom of(StoreConfig config, long maxBytes) throws IOException {
    FileStore fileStore = Files.getFileStore(config.directory());
    long reserve =
        config.diskReserveBytes() == StoreConfig.DISK_RESERVE_AUTO
            ? autoReserveBytes(fileStore.getTotalSpace())
            : config.diskReserveBytes();
    return new DiskRoom(config.directory(), fileStore, maxBytes, reserve);
  }

  /** The reserve's default for a filesystem of {@code totalBytes}: 1%, within [8 MiB, 1 GiB]. */
  static long autoReserveBytes(long totalBytes) {
    return Math.clamp(totalBytes / 100, AUTO_RESERVE_MIN_BYTES, AUTO_RESERVE_MAX_BYTES);
  }

  /** {@code min(maxBytes, storeBytes + usable - reserve)}, never below 0. */
  static long boundBytes(long maxBytes, long storeBytes, long usableBytes, long reserveBytes) {
    return Math.clamp(storeBytes + usableBytes - reserveBytes, 0, maxBytes);
  }

  Path directory() {
    return directory;
  }

  long reserveBytes() {
    return reserveBytes;
  }

  /** The configured bound: {@code shard.store.max-bytes} of data and the headroom above it. */
  long maxBytes() {
    return maxBytes;
  }

  /**
   * The bound RocksDB's buffers and FIFO's share are sized for at open ({@link StoreBudget}): the
   * lower of maxBytes and what the filesystem can hold for an unprivileged process (its size less
   * the blocks reserved for root, ext4's 5%) less the reserve, but at least {@link
   * StoreConfig#MIN_MAX_BYTES}. The filesystem's size, not its free space: a store opened on a disk
   * that others filled for a while keeps buffers fit for the disk.
   */
  long sizingBytes() throws IOException {
    return Math.max(StoreConfig.MIN_MAX_BYTES, Math.min(maxBytes, capacityBytes() - reserveBytes));
  }

  /** The filesystem's size less the blocks only root may use (statfs f_bfree - f_bavail). */
  long capacityBytes() throws IOException {
    return fileStore.getTotalSpace()
        - (fileStore.getUnallocatedSpace() - fileStore.getUsableSpace());
  }

  long usableBytes() throws IOException {
    return fileStore.getUsableSpace();
  }

  /** Measures the directory and the filesystem now (a walk of the directory and a statfs). */
  Room measure() throws IOException {
    long store = bytesUnder(directory);
    long usable = fileStore.getUsableSpace();
    return new Room(store, usable, boundBytes(maxBytes, store, usable, reserveBytes));
  }

  boolean spareExists() {
    return Files.exists(directory.resolve(SPARE_FILE));
  }

  /** Deletes the spare file; true if there was one. */
  boolean releaseSpare() throws IOException {
    return Files.deleteIfExists(directory.resolve(SPARE_FILE));
  }

  /**
   * Writes the spare file of {@code bytes} (real blocks, not a sparse file: the point is to hold
   * them); on failure deletes what was written and rethrows.
   */
  void writeSpare(long bytes) throws IOException {
    Path spare = directory.resolve(SPARE_FILE);
    byte[] block = new byte[64 * 1024];
    try (OutputStream out =
        Files.newOutputStream(
            spare, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING)) {
      for (long left = bytes; left > 0; left -= block.length) {
        out.write(block, 0, (int) Math.min(block.length, left));
      }
    } catch (IOException e) {
      Files.deleteIfExists(spare);
      throw e;
    }
  }

  /** Sums file lengths under {@code directory}; files deleted during the walk count as 0. */
  static long bytesUnder(Path directory) throws IOException {
    long total = 0;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
      for (Path entry : entries) {
        try {
          BasicFileAttributes attributes =
              Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
          total += attributes.isDirectory() ? bytesUnder(entry) : attributes.size();
        } catch (NoSuchFileException e) {
          // deleted between the listing and the stat
        }
      }
    } catch (NoSuchFileException e) {
      return total;
    }
    return total;
  }
}
