package io.imgcdn.shard.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
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
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.ReadTier;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Statistics;
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
   * RocksDB write: ValueWriter). Any further recovery at open (a full disk, corruption found at open)
   * belongs in open(), before the store accepts calls.
   *
   * Native memory: every RocksObject is pushed on `resources` when created, and close() closes them
   * once, last created first. The caller closes this only when no call can use RocksDB any more
   * (ShardStore.close: the store threads finished, caller-thread reads shut out).
   */

  private static final Logger log = LoggerFactory.getLogger(StoreDatabase.class);

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
  private final Statistics statistics;
  private final FileEvents events;
  private final Deque<AutoCloseable> resources;

  private StoreDatabase(
      StoreConfig config,
      StoreLayout layout,
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
   * Opens (or creates) RocksDB in {@code config.directory()}: settles the read mode and block cache
   * ({@link ReadModeChoice}), sets RocksDB up within {@code budget}, and recovers what the last run
   * left (RocksDB's WAL replay).
   *
   * @throws IOException if the directory cannot be created or RocksDB cannot open it (everything
   *     created so far is closed)
   */
  static StoreDatabase open(StoreConfig config, StoreLayout layout, StoreBudget budget)
      throws IOException {
    Files.createDirectories(config.directory());
    ReadModeChoice.Settled settled =
        ReadModeChoice.settle(config, MachineMemory::totalBytes, DirectIoProbe.SYSTEM);
    config = settled.config();
    log.info("shard store {}: {}", config.directory(), settled.explanation());
    RocksDB.loadLibrary();
    Deque<AutoCloseable> resources = new ArrayDeque<>();
    try {
      Options options = push(resources, new Options());
      CompactionOptionsFIFO fifo = push(resources, new CompactionOptionsFIFO());
      fifo.setMaxTableFilesSize(budget.tableFilesBytes()).setAllowCompaction(false);
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
          .setStatistics(statistics)
          .setListeners(List.of(events));
      if (layout == StoreLayout.BLOB_FILES) {
        // max_data_files_size makes FIFO count blob files too (max_table_files_size alone does
        // not).
        fifo.setMaxDataFilesSize(budget.tableFilesBytes());
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
      WriteOptions writes = push(resources, new WriteOptions());
      RocksDB db = push(resources, RocksDB.open(options, config.directory().toString()));
      log.info(
          "opened shard store {} ({}): maxBytes={} dataFiles={} writeBuffer={} maxValue={}",
          config.directory(),
          layout,
          budget.maxBytes(),
          budget.tableFilesBytes(),
          budget.writeBufferBytes(),
          budget.maxValueBytes());
      return new StoreDatabase(
          config,
          layout,
          resources,
          db,
          checkedReads,
          hitReads,
          memoryOnly,
          writes,
          statistics,
          events);
    } catch (RocksDBException | RuntimeException e) {
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
      return bytesUnder(config.directory());
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

  /**
   * Sums file lengths under {@code directory}; files RocksDB deletes during the walk count as 0.
   */
  private static long bytesUnder(Path directory) throws IOException {
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

    FileEvents() {
      super(EnabledEventCallback.ON_COMPACTION_COMPLETED, EnabledEventCallback.ON_FLUSH_COMPLETED);
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
}
