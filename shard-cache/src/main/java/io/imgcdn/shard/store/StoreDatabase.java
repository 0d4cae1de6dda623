package io.imgcdn.shard.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import org.jspecify.annotations.Nullable;
import org.rocksdb.AbstractEventListener;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompactionJobInfo;
import org.rocksdb.CompactionOptionsFIFO;
import org.rocksdb.CompactionReason;
import org.rocksdb.CompactionStyle;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushJobInfo;
import org.rocksdb.FlushOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.MutableColumnFamilyOptions;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.ReadTier;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Statistics;
import org.rocksdb.Status;
import org.rocksdb.TableProperties;
import org.rocksdb.TickerType;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opening and recovery: the store's RocksDB instance and every native object it needs, how they are
 * set up from a {@link StoreConfig}, and how they are closed.
 */
final class StoreDatabase implements AutoCloseable {

  /*
   * Layout: one (the default) column family, key = StoreKeys' bytes of the cache key, value =
   * ValueCodec's header followed by the body (or, for a body over ShardStore.CHUNK_BYTES, a header
   * under the key and one value per chunk under the chunk keys). By default in plain block-based table
   * files; StoreLayout.BLOB_FILES puts values >= 4 KiB in blob files instead (bench/results/2026-11-shard-store.md has
   * the measurement that picked the default). Compression off: images are compressed already.
   *
   * Byte bound, the part set at open: FIFO compaction drops the oldest table (and blob) files once they
   * exceed their share (max_table_files_size; with blob files max_data_files_size, which counts both);
   * StoreBudget derives that share, the memtable size and the largest admitted value from maxBytes so
   * that data files + WAL + RocksDB's small files stay below maxBytes. fallocate is off so that the
   * bytes a file takes on disk are its length (no preallocated tail); the info LOG and MANIFEST are
   * capped and rolled. The guard in front of each write is ValueWriter's.
   *
   * Reads: the read mode (pread, mmap or O_DIRECT) and the block cache are settled by ReadModeChoice
   * before RocksDB opens. hitReads skip RocksDB's block checksum: ValueCodec verifies every byte a hit
   * serves (header CRC32C, body or chunk CRC32C, lengths), and the block checksum was a second pass
   * over each block read from a file (bench/results/2026-11-shard-vs-ats.md "Cold page cache"). checkedReads (iterators,
   * key checks, the header re-read that tells a stale chunk from a corrupt one) keep it.
   *
   * Recovery: RocksDB replays its WAL at open; WAL records carry a CRC and recovery drops a torn tail
   * record, so a kill -9 mid-write leaves the old value or the new one, never a part (a value is one
   * RocksDB write: ValueWriter). Further recovery at open, before the store accepts calls:
   * - a full disk: the store is sized for what its filesystem can give (DiskRoom), FIFO's share starts
   *   at what the free space leaves (so a store reopened on a disk others filled shrinks at once), the
   *   spare file is deleted when the disk is full, and a RocksDB open that still finds no space is
   *   tried again without the WAL's recovery flush; after that the store's files are deleted (it is a
   *   cache) and it starts empty;
   * - files RocksDB cannot open (OpenRecovery tells them from a fault of the directory or a setting,
   *   which still fails start-up): moved aside, one line logged, and the store starts empty.
   * Either is reported by recovery() (the shard counts it: imgcdn_shard_store_recovered_total).
   *
   * Native memory: every RocksObject is pushed on `resources` when created, and close() closes them
   * once, last created first. The caller closes this only when no call can use RocksDB any more
   * (ShardStore.close: the store threads finished, caller-thread reads shut out).
   */

  private static final Logger log = LoggerFactory.getLogger(StoreDatabase.class);

  /** How long a write waits for RocksDB to end a write stall (a memtable flush) before failing. */
  static final long STALL_WAIT_MILLIS = 2_000;

  /** How SetOptions starts its message when only the OPTIONS file could not be rewritten. */
  private static final String OPTIONS_FILE_NOT_WRITTEN = "Unable to persist options";

  /** The smallest block cache shard ({@link #blockCacheShardBits}): 64 chunks. */
  static final long MIN_BLOCK_CACHE_SHARD_BYTES = 64L * ShardStore.CHUNK_BYTES;

  final RocksDB db;

  /** Reads RocksDB verifies (block checksums): iterators, key checks, header re-reads. */
  final ReadOptions checkedReads;

  /** Reads of values and chunks that ValueCodec verifies: RocksDB's block checksum skipped. */
  final ReadOptions hitReads;

  /** Memtables and cached blocks only: RocksDB never reads a file for these. */
  final ReadOptions memoryOnly;

  final WriteOptions writes;

  private final StoreConfig config;
  private final StoreLayout layout;
  private final StoreBudget budget;
  private final DiskRoom room;
  private final Statistics statistics;
  private final FileEvents events;
  private final Deque<AutoCloseable> resources;
  private final @Nullable String recovery;
  private volatile long dataFilesLimit;

  private StoreDatabase(
      StoreConfig config,
      StoreLayout layout,
      StoreBudget budget,
      DiskRoom room,
      long dataFilesLimit,
      @Nullable String recovery,
      Deque<AutoCloseable> resources,
      RocksDB db,
      ReadOptions checkedReads,
      ReadOptions hitReads,
      ReadOptions memoryOnly,
      WriteOptions writes,
      Statistics statistics,
      FileEvents events) {
    this.config = config;
    this.layout = layout;
    this.budget = budget;
    this.room = room;
    this.dataFilesLimit = dataFilesLimit;
    this.recovery = recovery;
    this.resources = resources;
    this.db = db;
    this.checkedReads = checkedReads;
    this.hitReads = hitReads;
    this.memoryOnly = memoryOnly;
    this.writes = writes;
    this.statistics = statistics;
    this.events = events;
  }

  /**
   * Opens (or creates) RocksDB in {@code config.directory()}: sizes it for the lower of maxBytes
   * and what the filesystem can give ({@link DiskRoom}, {@link StoreBudget}), settles the read mode
   * and block cache ({@link ReadModeChoice}), and recovers what the last run left: RocksDB's WAL
   * replay, and a store that cannot be opened because of its files or a full disk (it starts empty
   * then).
   *
   * @throws IOException if the directory cannot be created or used, or RocksDB cannot open it for a
   *     reason other than its files (everything created so far is closed, the files left as they
   *     are)
   */
  static StoreDatabase open(StoreConfig config, StoreLayout layout) throws IOException {
    Path directory = config.directory();
    Files.createDirectories(directory);
    StoreBudget wanted = StoreBudget.forData(config.maxBytes());
    DiskRoom room = DiskRoom.of(config, wanted.maxBytes());
    long sizing = room.sizingBytes();
    StoreBudget budget = sizing < wanted.maxBytes() ? StoreBudget.of(sizing) : wanted;
    if (budget.maxBytes() < wanted.maxBytes()) {
      log.warn(
          "shard store {}: max-bytes {} MiB of data and {} MiB of headroom is more than its"
              + " filesystem can give ({} MiB - reserve {} MiB): sized for {} MiB",
          directory,
          config.maxBytes() >> 20,
          wanted.headroomBytes() >> 20,
          room.capacityBytes() >> 20,
          room.reserveBytes() >> 20,
          budget.maxBytes() >> 20);
    }
    if (room.usableBytes() < budget.memtableBytes() && room.releaseSpare()) {
      log.warn("shard store {}: its filesystem is full: deleted its spare file", directory);
    }
    ReadModeChoice.Settled settled =
        ReadModeChoice.settle(config, MachineMemory::totalBytes, DirectIoProbe.SYSTEM);
    config = settled.config();
    log.info("shard store {}: {}", directory, settled.explanation());
    RocksDBException failure;
    try {
      return openRocks(config, layout, budget, room, false, null);
    } catch (RocksDBException e) {
      failure = e;
    }
    OpenRecovery.Cause cause = OpenRecovery.classify(failure, directory);
    if (cause == OpenRecovery.Cause.NO_SPACE) {
      // The spare is gone already if the disk was full; the WAL's recovery flush is what needs
      // most.
      room.releaseSpare();
      try {
        return openRocks(config, layout, budget, room, true, null);
      } catch (RocksDBException e) {
        failure = e;
        cause = OpenRecovery.classify(e, directory);
      }
    }
    String done;
    String recovery;
    switch (cause) {
      case CONTENTS -> {
        done = OpenRecovery.moveAside(directory, Instant.now());
        recovery = ShardStore.RECOVERED_UNREADABLE;
      }
      case NO_SPACE -> {
        OpenRecovery.deleteContents(directory);
        done = "its files were deleted to make room";
        recovery = ShardStore.RECOVERED_NO_SPACE;
      }
      default ->
          throw new IOException(
              "cannot open shard store in "
                  + directory
                  + ": "
                  + failure.getMessage()
                  + " (a fault of the directory or a setting, not of the store's files: they were"
                  + " left as they are)",
              failure);
    }
    log.warn(
        "shard store {} cannot be opened ({}): {}; starting empty",
        directory,
        failure.getMessage(),
        done);
    try {
      return openRocks(config, layout, budget, room, false, recovery);
    } catch (RocksDBException e) {
      throw new IOException(
          "cannot open shard store in " + directory + " even empty: " + e.getMessage(), e);
    }
  }

  /**
   * One attempt at RocksDB's open (everything created is closed if it fails), with FIFO's share at
   * what the filesystem leaves now.
   */
  private static StoreDatabase openRocks(
      StoreConfig config,
      StoreLayout layout,
      StoreBudget budget,
      DiskRoom room,
      boolean avoidFlushDuringRecovery,
      @Nullable String recovery)
      throws IOException, RocksDBException {
    long bound = room.measure().boundBytes();
    // As StoreSpace does: shrink to what the bound leaves if the store can write within it; if not,
    // keep what is stored for its hits (evicting would not make room to write).
    long dataFilesLimit =
        budget.roomToWrite(bound) ? budget.tableFilesBytesWithin(bound) : budget.tableFilesBytes();
    RocksDB.loadLibrary();
    Deque<AutoCloseable> resources = new ArrayDeque<>();
    try {
      Options options = push(resources, new Options());
      CompactionOptionsFIFO fifo = push(resources, new CompactionOptionsFIFO());
      fifo.setMaxTableFilesSize(Math.max(1, dataFilesLimit)).setAllowCompaction(false);
      BloomFilter bloom = push(resources, new BloomFilter(10));
      Statistics statistics = push(resources, new Statistics());
      FileEvents events = push(resources, new FileEvents());
      BlockBasedTableConfig table =
          new BlockBasedTableConfig().setFilterPolicy(bloom).setBlockSize(64 * 1024);
      long blockCache = config.effectiveBlockCacheBytes();
      if (blockCache > 0) {
        table.setBlockCache(
            push(resources, new LRUCache(blockCache, blockCacheShardBits(blockCache))));
      } else {
        table.setNoBlockCache(true);
      }
      options
          .setCreateIfMissing(true)
          .setCompactionStyle(CompactionStyle.FIFO)
          .setCompressionType(CompressionType.NO_COMPRESSION)
          .setTableFormatConfig(table)
          .setWriteBufferSize(budget.writeBufferBytes())
          .setMaxWriteBufferNumber(2)
          .setMaxTotalWalSize(2 * (budget.writeBufferBytes() + budget.maxValueBytes()))
          // FIFO keeps every file in L0; the L0 file-count stalls are meant for leveled compaction.
          .setLevel0FileNumCompactionTrigger(1)
          .setLevel0SlowdownWritesTrigger(1 << 20)
          .setLevel0StopWritesTrigger(1 << 20)
          .setSoftPendingCompactionBytesLimit(0)
          .setHardPendingCompactionBytesLimit(0)
          // Size is the only eviction criterion (FIFO would otherwise also drop files after 30
          // days).
          .setTtl(0)
          .setPeriodicCompactionSeconds(0)
          .setAllowFAllocate(false)
          // PREAD or DIRECT (settled above); MMAP copies a hit straight out of the mapped file (no
          // pread), cheaper warm, dearer cold; bench/results/2026-11-shard-vs-ats.md "The hit path"
          // has the
          // measurements.
          .setAllowMmapReads(config.readMode() == ReadMode.MMAP)
          .setUseDirectReads(config.readMode() == ReadMode.DIRECT)
          .setRecycleLogFileNum(0)
          .setMaxManifestFileSize(StoreBudget.MANIFEST_FILE_BYTES)
          .setMaxLogFileSize(StoreBudget.INFO_LOG_FILE_BYTES)
          .setKeepLogFileNum(StoreBudget.INFO_LOG_FILES_KEPT)
          .setInfoLogLevel(InfoLogLevel.INFO_LEVEL)
          .setMaxBackgroundJobs(2)
          .setAvoidFlushDuringRecovery(avoidFlushDuringRecovery)
          .setStatistics(statistics)
          .setListeners(List.of(events));
      if (layout == StoreLayout.BLOB_FILES) {
        // max_data_files_size makes FIFO count blob files too (max_table_files_size alone does
        // not).
        fifo.setMaxDataFilesSize(Math.max(1, dataFilesLimit));
        options
            .setEnableBlobFiles(true)
            .setMinBlobSize(4096)
            .setBlobFileSize(budget.writeBufferBytes() + budget.maxValueBytes())
            .setBlobCompressionType(CompressionType.NO_COMPRESSION)
            .setEnableBlobGarbageCollection(false);
      }
      options.setCompactionOptionsFIFO(fifo);
      ReadOptions checkedReads = push(resources, new ReadOptions().setVerifyChecksums(true));
      ReadOptions hitReads = push(resources, new ReadOptions().setVerifyChecksums(false));
      ReadOptions memoryOnly =
          push(
              resources,
              new ReadOptions().setVerifyChecksums(true).setReadTier(ReadTier.BLOCK_CACHE_TIER));
      // No writer ever waits inside RocksDB (write()): on a full disk a writer parked in a write
      // stall kept RocksDB's own error recovery from flushing, and both waited forever.
      WriteOptions writes = push(resources, new WriteOptions().setNoSlowdown(true));
      RocksDB db = push(resources, RocksDB.open(options, config.directory().toString()));
      log.info(
          "opened shard store {} ({}): maxBytes={} dataFiles={} (now {}) writeBuffer={}"
              + " maxValue={} diskReserve={}",
          config.directory(),
          layout,
          budget.maxBytes(),
          budget.tableFilesBytes(),
          dataFilesLimit,
          budget.writeBufferBytes(),
          budget.maxValueBytes(),
          room.reserveBytes());
      return new StoreDatabase(
          config,
          layout,
          budget,
          room,
          dataFilesLimit,
          recovery,
          resources,
          db,
          checkedReads,
          hitReads,
          memoryOnly,
          writes,
          statistics,
          events);
    } catch (RocksDBException e) {
      closeAll(resources);
      throw e;
    } catch (RuntimeException e) {
      closeAll(resources);
      throw new IOException(
          "cannot open shard store in " + config.directory() + ": " + e.getMessage(), e);
    }
  }

  /**
   * The block cache's shard bits: as many as RocksDB would choose (at most 6), but no shard smaller
   * than {@link #MIN_BLOCK_CACHE_SHARD_BYTES}.
   */
  static int blockCacheShardBits(long capacityBytes) {
    /*
     * RocksDB's default keeps shards down to 512 KiB (64 shards from 32 MiB up). A chunk is a block of its
     * own, 1 MiB, and a shard evicts on its own share of the capacity: with 64 shards of 4 MiB (a 256 MiB
     * cache) each held three chunks, and chunks hashed to a fuller shard were evicted while the cache as a
     * whole had room; a 16 MiB cache's 512 KiB shards held none at all. A profile of 4 MiB hits whose chunks
     * about filled a 256 MiB cache spent nearly half as much CPU in pread as in its copies out of the cache
     * (bench/results/2026-11-shard-vs-ats.md, "Where a cold direct hit and a 4 MiB hit spend their CPU"). Shards of at least
     * 64 MiB hold 60-odd chunks each; a cache of 4 GiB and up keeps RocksDB's 64 shards (lock spread).
     */
    int bits = 0;
    while (bits < 6 && (capacityBytes >> (bits + 1)) >= MIN_BLOCK_CACHE_SHARD_BYTES) {
      bits++;
    }
    return bits;
  }

  /** The configuration as settled at open: read mode never AUTO, block cache never the default. */
  StoreConfig config() {
    return config;
  }

  StoreLayout layout() {
    return layout;
  }

  /** How the bound is split, sized at open for the lower of maxBytes and the filesystem. */
  StoreBudget budget() {
    return budget;
  }

  DiskRoom room() {
    return room;
  }

  /**
   * How open recovered the store, {@link ShardStore#RECOVERED_UNREADABLE} or {@link
   * ShardStore#RECOVERED_NO_SPACE} (it started empty); null if it opened as it was.
   */
  @Nullable String recovery() {
    return recovery;
  }

  /**
   * FIFO's share of the data files now (below {@link StoreBudget#tableFilesBytes} on a full disk).
   */
  long dataFilesLimit() {
    return dataFilesLimit;
  }

  /**
   * Sets FIFO's share of the data files; RocksDB drops the oldest files at once when they exceed
   * it.
   */
  void setDataFilesLimit(long bytes) throws RocksDBException {
    long limit = Math.max(1, bytes); // 1 drops every file as 0 would, and cannot read as unset
    String fifo =
        layout == StoreLayout.BLOB_FILES
            ? "{max_table_files_size=" + limit + ";max_data_files_size=" + limit + ";}"
            : "{max_table_files_size=" + limit + ";}";
    try {
      db.setOptions(FifoOptions.of(fifo));
    } catch (RocksDBException e) {
      // SetOptions installs the options, then rewrites the OPTIONS file (a record for people), and
      // reports a failure of the latter (fail_if_options_file_error; rocksdbjni 11.8 has no native
      // setter for it): on a full disk the new share holds all the same.
      if (!String.valueOf(e.getMessage()).startsWith(OPTIONS_FILE_NOT_WRITTEN)) {
        throw e;
      }
    }
    dataFilesLimit = bytes;
  }

  /** A put, batch write or delete with the given options ({@link #writes}). */
  @FunctionalInterface
  interface WriteCall {
    void run(WriteOptions options) throws RocksDBException;
  }

  /**
   * Runs a write outside RocksDB's write stalls: {@link #writes} has no_slowdown, so RocksDB fails
   * a write at once while its memtables are full (Incomplete "Write stall"); it is tried again
   * every millisecond for up to {@link #STALL_WAIT_MILLIS} (a flush), then fails. A writer parked
   * inside RocksDB's stall held its write queue, which RocksDB's recovery from a no-space error
   * needs for its flush: on a disk filled while writing, both waited for each other for good.
   */
  void write(WriteCall call) throws RocksDBException {
    long deadline = 0;
    while (true) {
      try {
        call.run(writes);
        return;
      } catch (RocksDBException e) {
        if (!isWriteStall(e)) {
          throw e;
        }
        long now = System.nanoTime();
        if (deadline == 0) {
          deadline = now + TimeUnit.MILLISECONDS.toNanos(STALL_WAIT_MILLIS);
        } else if (now > deadline) {
          throw e;
        }
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
      }
    }
  }

  /** A write refused because RocksDB stalls writes (no_slowdown), not for an error. */
  static boolean isWriteStall(RocksDBException e) {
    Status status = e.getStatus();
    return status != null
        && status.getCode() == Status.Code.Incomplete
        && String.valueOf(e.getMessage()).contains("Write stall");
  }

  /**
   * Runs {@code action} (on a RocksDB thread) whenever RocksDB recovered from a background error.
   */
  void onErrorRecovered(Runnable action) {
    events.errorRecovered = action;
  }

  /** Bytes of the data files FIFO counts against its share: table files, and blob files if any. */
  long dataFileBytes() throws RocksDBException {
    long tables = db.getLongProperty("rocksdb.total-sst-files-size");
    return layout == StoreLayout.BLOB_FILES
        ? tables + db.getLongProperty("rocksdb.total-blob-file-size")
        : tables;
  }

  /** Bytes in the memtables, not yet in a table file. */
  long memtableBytes() throws RocksDBException {
    return db.getLongProperty("rocksdb.cur-size-all-mem-tables");
  }

  /** RocksDB's estimate of the keys it holds (chunk keys included). */
  long estimatedKeys() throws RocksDBException {
    return db.getLongProperty("rocksdb.estimate-num-keys");
  }

  /** Bytes of every file under the directory (tables, blobs, WAL, MANIFEST, logs, ...). */
  long diskUsageBytes() {
    try {
      return DiskRoom.bytesUnder(config.directory());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot measure " + config.directory(), e);
    }
  }

  /** Bytes RocksDB has written to files: WAL, flushes, compactions, blob files. */
  long diskBytesWritten() {
    return statistics.getTickerCount(TickerType.WAL_FILE_BYTES)
        + statistics.getTickerCount(TickerType.FLUSH_WRITE_BYTES)
        + statistics.getTickerCount(TickerType.COMPACT_WRITE_BYTES)
        + statistics.getTickerCount(TickerType.BLOB_DB_BLOB_FILE_BYTES_WRITTEN);
  }

  /** Data blocks RocksDB had to read from a file (not in the block cache) so far. */
  long blockCacheDataMisses() {
    return statistics.getTickerCount(TickerType.BLOCK_CACHE_DATA_MISS);
  }

  /** Objects (keys) in the data files FIFO dropped for size so far. */
  long evictedObjects() {
    return events.evicted.sum();
  }

  /**
   * Whether the set of table files changed (a flush added one, FIFO dropped some) since the last
   * call; the first call answers true.
   */
  boolean tableFilesChanged() {
    return events.tableFilesChanged.compareAndSet(true, false);
  }

  /** Forces the memtable to a table file and waits for it. */
  void flush() throws RocksDBException {
    try (FlushOptions flushOptions = new FlushOptions().setWaitForFlush(true)) {
      db.flush(flushOptions);
    }
  }

  /** Closes every RocksDB object once, last created first. */
  @Override
  public void close() {
    closeAll(resources);
  }

  private static <T extends AutoCloseable> T push(Deque<AutoCloseable> resources, T resource) {
    resources.push(resource);
    return resource;
  }

  private static void closeAll(Deque<AutoCloseable> resources) {
    while (!resources.isEmpty()) {
      AutoCloseable resource = resources.pop();
      try {
        resource.close();
      } catch (Exception e) {
        log.warn("closing {} failed: {}", resource.getClass().getSimpleName(), e.toString());
      }
    }
  }

  /**
   * Counts the objects in data files that FIFO drops for size, and notes whenever the set of table
   * files changes (for the eviction horizon).
   */
  private static final class FileEvents extends AbstractEventListener {
    final LongAdder evicted = new LongAdder();
    final AtomicBoolean tableFilesChanged = new AtomicBoolean(true);
    volatile Runnable errorRecovered = () -> {};

    FileEvents() {
      // Not ON_BACKGROUND_ERROR nor ON_ERROR_RECOVERY_BEGIN: rocksdbjni 11.8 throws on the reasons
      // it has no enum value for (kFlushNoWAL, seen on a full disk).
      super(
          EnabledEventCallback.ON_COMPACTION_COMPLETED,
          EnabledEventCallback.ON_FLUSH_COMPLETED,
          EnabledEventCallback.ON_ERROR_RECOVERY_COMPLETED);
    }

    @Override
    public void onErrorRecoveryCompleted(Status oldBackgroundError) {
      errorRecovered.run();
    }

    @Override
    public void onFlushCompleted(RocksDB db, FlushJobInfo info) {
      tableFilesChanged.set(true);
    }

    @Override
    public void onCompactionCompleted(RocksDB db, CompactionJobInfo info) {
      tableFilesChanged.set(true);
      if (info.compactionReason() != CompactionReason.kFIFOMaxSize) {
        return;
      }
      long dropped = 0;
      for (String file : info.inputFiles()) {
        TableProperties properties = info.tableProperties().get(file);
        if (properties != null) {
          dropped += properties.getNumEntries();
        }
      }
      evicted.add(dropped);
    }
  }

  /**
   * A SetOptions call for FIFO's sizes. rocksdbjni's MutableColumnFamilyOptions builder has no key
   * for compaction_options_fifo, although RocksDB's SetOptions takes it (the option is mutable);
   * the options object only carries key and value strings to SetOptions, so one is made with its
   * private constructor. StoreSpaceTest fails if a rocksdbjni upgrade breaks this.
   */
  private static final class FifoOptions {
    private static final Constructor<MutableColumnFamilyOptions> RAW;

    static {
      try {
        RAW =
            MutableColumnFamilyOptions.class.getDeclaredConstructor(String[].class, String[].class);
        RAW.setAccessible(true);
      } catch (ReflectiveOperationException | RuntimeException e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    static MutableColumnFamilyOptions of(String value) {
      try {
        return RAW.newInstance(new String[] {"compaction_options_fifo"}, new String[] {value});
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("rocksdbjni: cannot make options for SetOptions", e);
      }
    }
  }
}
