package io.imgcdn.shard.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.rocksdb.AbstractEventListener;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.BloomFilter;
import org.rocksdb.CompactionJobInfo;
import org.rocksdb.CompactionOptionsFIFO;
import org.rocksdb.CompactionReason;
import org.rocksdb.CompactionStyle;
import org.rocksdb.CompressionType;
import org.rocksdb.FlushOptions;
import org.rocksdb.InfoLogLevel;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;
import org.rocksdb.TableProperties;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RocksDB-backed, byte-bounded, restart-surviving cache store. All calls run on its own bounded pool of
 * platform threads (never the caller's event loop); when the pool's queue is full the returned future
 * fails at once with {@link RejectedExecutionException}.
 */
public final class ShardStore implements AutoCloseable {

  /*
   * Layout: one RocksDB column family, key = UTF-8 bytes of the cache key, value = ValueCodec's header
   * followed by the body, in plain block-based table files (no blob files: FIFO's size limit counts
   * only table files, STACK-NOTES). Compression off: images are compressed already.
   *
   * Byte bound: FIFO compaction with max_table_files_size drops the oldest table files once they
   * exceed their share; StoreBudget derives that share, the memtable size and the largest admitted
   * value from maxBytes so that tables + WAL + RocksDB's small files stay below maxBytes (the
   * arithmetic is in StoreBudget). Values larger than StoreBudget.maxValueBytes are not stored.
   * fallocate is off so that the bytes a file takes on disk are its length (no preallocated tail),
   * and the info LOG and MANIFEST are capped and rolled.
   *
   * Threads: RocksDB calls block in native code (and would pin a virtual thread's carrier), so every
   * call runs on a fixed pool of platform threads with a bounded queue; a full queue is refused at
   * once (AbortPolicy) so the server can answer 503 instead of queueing without bound.
   *
   * Native memory: every RocksObject this class creates is pushed on `resources` when created, and
   * close() closes them once, last created first, after the pool has finished every accepted call.
   */

  private static final Logger log = LoggerFactory.getLogger(ShardStore.class);
  private static final long CLOSE_WAIT_SECONDS = 60;

  private final StoreConfig config;
  private final StoreBudget budget;
  private final Deque<AutoCloseable> resources;
  private final RocksDB db;
  private final ReadOptions readOptions;
  private final WriteOptions writeOptions;
  private final ThreadPoolExecutor executor;
  private final AtomicBoolean closed = new AtomicBoolean();

  private final LongAdder hits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder puts = new LongAdder();
  private final LongAdder evictions;
  private final LongAdder checksumFailures = new LongAdder();

  private ShardStore(StoreConfig config, StoreBudget budget, Deque<AutoCloseable> resources, RocksDB db,
      ReadOptions readOptions, WriteOptions writeOptions, ThreadPoolExecutor executor, LongAdder evictions) {
    this.config = config;
    this.evictions = evictions;
    this.budget = budget;
    this.resources = resources;
    this.db = db;
    this.readOptions = readOptions;
    this.writeOptions = writeOptions;
    this.executor = executor;
  }

  /**
   * Opens (or creates) the store in {@code config.directory()}.
   *
   * @throws IOException if the directory cannot be created or RocksDB cannot open it
   */
  public static ShardStore open(StoreConfig config) throws IOException {
    Objects.requireNonNull(config, "config");
    StoreBudget budget = StoreBudget.of(config.maxBytes());
    Files.createDirectories(config.directory());
    RocksDB.loadLibrary();
    Deque<AutoCloseable> resources = new ArrayDeque<>();
    LongAdder evictions = new LongAdder();
    try {
      Options options = push(resources, new Options());
      CompactionOptionsFIFO fifo = push(resources, new CompactionOptionsFIFO());
      fifo.setMaxTableFilesSize(budget.tableFilesBytes()).setAllowCompaction(false);
      LRUCache blockCache = push(resources, new LRUCache(Math.min(64L << 20, config.maxBytes() / 16)));
      BloomFilter bloom = push(resources, new BloomFilter(10));
      EvictionListener listener = push(resources, new EvictionListener(evictions));
      BlockBasedTableConfig table = new BlockBasedTableConfig()
          .setBlockCache(blockCache)
          .setFilterPolicy(bloom)
          .setBlockSize(64 * 1024);
      options.setCreateIfMissing(true)
          .setCompactionStyle(CompactionStyle.FIFO)
          .setCompactionOptionsFIFO(fifo)
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
          // Size is the only eviction criterion (FIFO would otherwise also drop files after 30 days).
          .setTtl(0)
          .setPeriodicCompactionSeconds(0)
          .setAllowFAllocate(false)
          .setRecycleLogFileNum(0)
          .setMaxManifestFileSize(StoreBudget.MANIFEST_FILE_BYTES)
          .setMaxLogFileSize(StoreBudget.INFO_LOG_FILE_BYTES)
          .setKeepLogFileNum(StoreBudget.INFO_LOG_FILES_KEPT)
          .setInfoLogLevel(InfoLogLevel.INFO_LEVEL)
          .setMaxBackgroundJobs(2)
          .setListeners(List.of(listener));
      ReadOptions readOptions = push(resources, new ReadOptions().setVerifyChecksums(true));
      WriteOptions writeOptions = push(resources, new WriteOptions());
      RocksDB db = push(resources, RocksDB.open(options, config.directory().toString()));
      ThreadPoolExecutor executor = new ThreadPoolExecutor(config.threads(), config.threads(), 0,
          TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(config.queueCapacity()),
          namedDaemonThreads("shard-store-"), new ThreadPoolExecutor.AbortPolicy());
      executor.prestartAllCoreThreads();
      ShardStore store = new ShardStore(config, budget, resources, db, readOptions, writeOptions, executor,
          evictions);
      log.info("opened shard store {}: maxBytes={} tableFiles={} writeBuffer={} maxValue={}",
          config.directory(), budget.maxBytes(), budget.tableFilesBytes(), budget.writeBufferBytes(),
          budget.maxValueBytes());
      return store;
    } catch (RocksDBException | RuntimeException e) {
      closeAll(resources);
      throw new IOException("cannot open shard store in " + config.directory() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Looks {@code key} up. The body's checksum is verified: a mismatch is logged, counted, deleted and
   * returned as empty (a miss).
   */
  public CompletableFuture<Optional<StoredObject>> get(String key) {
    byte[] keyBytes = keyBytes(key);
    return submit(() -> {
      byte[] value;
      try {
        value = db.get(readOptions, keyBytes);
      } catch (RocksDBException e) {
        if (isCorruption(e)) {
          dropCorrupt(key, keyBytes, "RocksDB: " + e.getMessage());
          return Optional.empty();
        }
        throw e;
      }
      if (value == null) {
        misses.increment();
        return Optional.empty();
      }
      try {
        StoredObject object = ValueCodec.decode(value);
        hits.increment();
        return Optional.of(object);
      } catch (ValueCodec.CorruptValueException e) {
        dropCorrupt(key, keyBytes, e.getMessage());
        return Optional.empty();
      }
    });
  }

  /**
   * Stores {@code value} under {@code key}, replacing what was there. A value whose encoding exceeds
   * {@link #maxValueBytes()} is not stored (the future still completes normally).
   */
  public CompletableFuture<Void> put(String key, StoredObject value) {
    byte[] keyBytes = keyBytes(key);
    Objects.requireNonNull(value, "value");
    if (ValueCodec.encodedLength(value) > budget.maxValueBytes()) {
      return CompletableFuture.completedFuture(null);
    }
    return submit(() -> {
      byte[] encoded = ValueCodec.encode(value, db.getLatestSequenceNumber());
      db.put(writeOptions, keyBytes, encoded);
      puts.increment();
      return null;
    });
  }

  /** Removes {@code key}; the future tells whether it was there. */
  public CompletableFuture<Boolean> delete(String key) {
    byte[] keyBytes = keyBytes(key);
    return submit(() -> {
      boolean present = db.keyExists(readOptions, keyBytes);
      if (present) {
        db.delete(writeOptions, keyBytes);
      }
      return present;
    });
  }

  /** Bytes of every file under the store's directory (tables, WAL, MANIFEST, logs, ...). */
  public long diskUsageBytes() {
    try {
      return bytesUnder(config.directory());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot measure " + config.directory(), e);
    }
  }

  /** A snapshot of the store's counters. */
  public StoreStats stats() {
    long objects = 0;
    long bytes = 0;
    if (!closed.get()) {
      try {
        objects = db.getLongProperty("rocksdb.estimate-num-keys");
        bytes = db.getLongProperty("rocksdb.total-sst-files-size")
            + db.getLongProperty("rocksdb.cur-size-all-mem-tables");
      } catch (RocksDBException e) {
        log.warn("cannot read RocksDB properties: {}", e.getMessage());
      }
    }
    return new StoreStats(objects, bytes, hits.sum(), misses.sum(), puts.sum(), evictions.sum(),
        checksumFailures.sum());
  }

  /** Largest encoded value (header + body) this store admits; larger ones are skipped by {@link #put}. */
  public long maxValueBytes() {
    return budget.maxValueBytes();
  }

  /** The configuration this store was opened with. */
  public StoreConfig config() {
    return config;
  }

  /**
   * Stops accepting calls, waits for the calls already accepted, then closes every RocksDB object once,
   * last created first. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    executor.shutdown();
    boolean finished = false;
    try {
      finished = executor.awaitTermination(CLOSE_WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!finished) {
      // Closing the DB under a running native call would crash the JVM; leaking is the lesser harm.
      log.error("shard store {}: calls still running after {} s; RocksDB left open", config.directory(),
          CLOSE_WAIT_SECONDS);
      return;
    }
    closeAll(resources);
    log.info("closed shard store {}", config.directory());
  }

  /** Runs {@code task} on the store's pool; package-private so tests can occupy the pool. */
  <T> CompletableFuture<T> submit(Callable<T> task) {
    if (closed.get()) {
      return CompletableFuture.failedFuture(new IllegalStateException("shard store closed: " + config.directory()));
    }
    CompletableFuture<T> future = new CompletableFuture<>();
    try {
      executor.execute(() -> {
        try {
          future.complete(task.call());
        } catch (Throwable t) {
          future.completeExceptionally(t);
        }
      });
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(e);
    }
    return future;
  }

  /** Writes raw bytes as a value, bypassing the encoder; for tests that corrupt a stored value. */
  void putRaw(String key, byte[] value) throws RocksDBException {
    db.put(writeOptions, keyBytes(key), value);
  }

  /** Forces the memtable to a table file; for tests. */
  void flush() throws RocksDBException {
    try (FlushOptions flushOptions = new FlushOptions().setWaitForFlush(true)) {
      db.flush(flushOptions);
    }
  }

  StoreBudget budget() {
    return budget;
  }

  private void dropCorrupt(String key, byte[] keyBytes, String reason) throws RocksDBException {
    checksumFailures.increment();
    misses.increment();
    log.warn("shard store {}: corrupt value for key {} deleted ({})", config.directory(), key, reason);
    db.delete(writeOptions, keyBytes);
  }

  private static boolean isCorruption(RocksDBException e) {
    Status status = e.getStatus();
    return status != null && status.getCode() == Status.Code.Corruption;
  }

  private static byte[] keyBytes(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key: \"\" (expected: non-empty)");
    }
    return key.getBytes(StandardCharsets.UTF_8);
  }

  /** Sums file lengths under {@code directory}; files RocksDB deletes during the walk count as 0. */
  private static long bytesUnder(Path directory) throws IOException {
    long total = 0;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
      for (Path entry : entries) {
        try {
          BasicFileAttributes attributes =
              Files.readAttributes(entry, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
          if (attributes.isDirectory()) {
            total += bytesUnder(entry);
          } else {
            total += attributes.size();
          }
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

  private static ThreadFactory namedDaemonThreads(String prefix) {
    AtomicInteger counter = new AtomicInteger();
    return runnable -> {
      return Thread.ofPlatform().name(prefix + counter.incrementAndGet()).daemon(true).unstarted(runnable);
    };
  }

  /** Counts the objects in table files that FIFO compaction drops for size. */
  private static final class EvictionListener extends AbstractEventListener {
    private final LongAdder evictions;

    EvictionListener(LongAdder evictions) {
      super(EnabledEventCallback.ON_COMPACTION_COMPLETED);
      this.evictions = evictions;
    }

    @Override
    public void onCompactionCompleted(RocksDB db, CompactionJobInfo info) {
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
      evictions.add(dropped);
    }
  }
}
