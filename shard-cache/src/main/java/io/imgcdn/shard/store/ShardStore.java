package io.imgcdn.shard.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.Arrays;
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
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Consumer;
import java.util.function.IntFunction;
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
import org.rocksdb.KeyMayExist;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.ReadTier;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Statistics;
import org.rocksdb.Status;
import org.rocksdb.TableProperties;
import org.rocksdb.TickerType;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RocksDB-backed, byte-bounded, restart-surviving cache store. All calls run on its own bounded
 * pool of platform threads (never the caller's event loop); when the pool's queue is full the
 * returned future fails at once with {@link RejectedExecutionException}.
 */
public final class ShardStore implements AutoCloseable {

  /*
   * Layout: one RocksDB column family, key = UTF-8 bytes of the cache key, value = ValueCodec's header
   * followed by the body. By default in plain block-based table files; StoreLayout.BLOB_FILES puts
   * values >= 4 KiB in blob files instead (docs/BENCHMARKS.md "Shard store" has the measurement
   * that picked the default). Compression off: images are compressed already.
   *
   * Byte bound: DiskGuard refuses a write that could cross maxBytes if background work lags (the hard
   * guarantee); in normal operation it never triggers, because FIFO compaction drops the oldest table (and blob) files once they exceed their share
   * (max_table_files_size; with blob files max_data_files_size, which counts both); StoreBudget
   * derives that share, the memtable size and the largest admitted value from maxBytes so that data
   * files + WAL + RocksDB's small files stay below maxBytes (the arithmetic is in StoreBudget). Values
   * larger than StoreBudget.maxValueBytes are not stored. fallocate is off so that the bytes a file
   * takes on disk are its length (no preallocated tail); the info LOG and MANIFEST are capped and rolled.
   *
   * Eviction: FIFO alone is age-only; HotSetPolicy adds re-insertion of hit objects that are close to
   * the eviction horizon (EvictionHorizon tells how many table bytes lie before a value's write
   * sequence) and, for offer(), frequency-based admission. A re-insertion races with put/delete of the
   * same key: a stale copy must never overwrite a newer value or resurrect a deleted one. Mutations
   * therefore run under one of STRIPES locks (by key hash) and bump that stripe's version after
   * writing; a get notes the version before it reads, and re-inserts only if the version is unchanged
   * once it holds the lock.
   *
   * Crash safety: a put is one RocksDB write of the whole value; RocksDB's WAL records carry a CRC
   * and recovery drops a torn tail record, so a kill -9 mid-write leaves the old value or the new
   * one, never a part (ShardStoreCrashTest checks this with a killed child JVM).
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
  private static final int STRIPES = 1024;

  /** Bodies longer than this are stored in chunks of this size (ValueCodec version 2). */
  static final int CHUNK_BYTES = 1 << 20;

  /**
   * System property: {@code true} makes RocksDB verify its block checksum also on reads that
   * ValueCodec verifies anyway (the behaviour before; kept for measurements,
   * bench/results/2026-11-shard-vs-ats.md "Cold page cache").
   */
  static final String VERIFY_BLOCK_CHECKSUMS_PROPERTY = "imgcdn.shard.store.verify-block-checksums";

  /**
   * System property: {@code false} makes getDirect read every value through its scratch buffer,
   * ignoring {@link SizeHints} (the behaviour before; kept for measurements,
   * bench/results/2026-11-shard-vs-ats.md "Cold page cache").
   */
  static final String SIZE_HINTS_PROPERTY = "imgcdn.shard.store.size-hints";

  private static final int SCRATCH_BYTES = CHUNK_BYTES + 64 * 1024;

  /** The smallest block cache shard ({@link #blockCacheShardBits}): 64 chunks. */
  static final long MIN_BLOCK_CACHE_SHARD_BYTES = 64L * CHUNK_BYTES;

  private static final int KEY_SCRATCH_BYTES = 8 * 1024;
  private static final long MEAN_OBJECT_BYTES = 60 * 1024;

  /** Room DiskGuard leaves for the info LOG and MANIFEST to grow between its measurements. */
  private static final long GUARD_SLACK_BYTES = 1L << 20;

  private final StoreConfig config;
  private final StoreLayout layout;
  private final StoreBudget budget;
  private final Deque<AutoCloseable> resources;
  private final RocksDB db;
  private final ReadOptions readOptions;
  private final ReadOptions hitReads;
  private final ReadOptions memoryOnly;

  /**
   * Held (shared) by callers of getCached, which run RocksDB on their own thread; close() takes it
   * exclusively.
   */
  private final StampedLock callerThreadReads = new StampedLock();

  private final WriteOptions writeOptions;
  private final Statistics statistics;
  private final ThreadPoolExecutor executor;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final HotSetPolicy policy;
  private final Object[] stripeLocks = new Object[STRIPES];
  private final AtomicLongArray stripeVersions = new AtomicLongArray(STRIPES);
  private final AtomicBoolean horizonStale;
  private volatile EvictionHorizon horizon = EvictionHorizon.EMPTY;

  /**
   * Sizes of inline values by key hash: a hit with a hint is read straight into the caller's
   * buffer.
   */
  private final SizeHints sizeHints;

  private final boolean useSizeHints =
      Boolean.parseBoolean(System.getProperty(SIZE_HINTS_PROPERTY, "true"));
  private final ThreadLocal<ByteBuffer> scratch =
      ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(SCRATCH_BYTES));
  private final ThreadLocal<ByteBuffer> keyScratch =
      ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(KEY_SCRATCH_BYTES));

  private final LongAdder hits = new LongAdder();
  private final LongAdder memoryHits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder puts = new LongAdder();
  private final LongAdder evictions;
  private final LongAdder checksumFailures = new LongAdder();
  private final LongAdder reinsertions = new LongAdder();
  private final LongAdder admissionRejections = new LongAdder();
  private final LongAdder bytesAdmitted = new LongAdder();
  private final LongAdder boundRefusals = new LongAdder();
  private final DiskGuard guard;

  private ShardStore(
      StoreConfig config,
      StoreLayout layout,
      StoreBudget budget,
      Deque<AutoCloseable> resources,
      RocksDB db,
      ReadOptions readOptions,
      ReadOptions hitReads,
      ReadOptions memoryOnly,
      WriteOptions writeOptions,
      Statistics statistics,
      ThreadPoolExecutor executor,
      LongAdder evictions,
      AtomicBoolean horizonStale,
      HotSetPolicy policy) {
    this.config = config;
    this.layout = layout;
    this.budget = budget;
    this.resources = resources;
    this.db = db;
    this.readOptions = readOptions;
    this.hitReads = hitReads;
    this.memoryOnly = memoryOnly;
    this.writeOptions = writeOptions;
    this.statistics = statistics;
    this.executor = executor;
    this.evictions = evictions;
    this.horizonStale = horizonStale;
    this.policy =
        policy != null
            ? policy
            : new HotSetPolicy(
                Math.max(16, budget.tableFilesBytes() / MEAN_OBJECT_BYTES),
                HotSetPolicy.REINSERT_ZONE,
                HotSetPolicy.REINSERT_MIN_FREQUENCY,
                config.admitMinRequests());
    for (int i = 0; i < STRIPES; i++) {
      stripeLocks[i] = new Object();
    }
    this.sizeHints = new SizeHints(Math.max(16, budget.tableFilesBytes() / MEAN_OBJECT_BYTES));
    this.guard = new DiskGuard(budget.maxBytes() - GUARD_SLACK_BYTES, this::diskAndMemtableBytes);
  }

  /**
   * Opens (or creates) the store in {@code config.directory()} with the default layout, {@link
   * StoreLayout#TABLE_FILES}.
   *
   * @throws IOException if the directory cannot be created or RocksDB cannot open it
   */
  public static ShardStore open(StoreConfig config) throws IOException {
    return open(config, StoreLayout.TABLE_FILES);
  }

  /**
   * Opens (or creates) the store in {@code config.directory()} with the given value layout. A
   * directory must always be opened with the layout it was created with.
   *
   * @throws IOException if the directory cannot be created or RocksDB cannot open it
   */
  public static ShardStore open(StoreConfig config, StoreLayout layout) throws IOException {
    return open(config, layout, null);
  }

  /** Opens with another eviction policy (null: the default); for comparisons against plain FIFO. */
  static ShardStore open(StoreConfig config, StoreLayout layout, HotSetPolicy policy)
      throws IOException {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(layout, "layout");
    StoreBudget budget = StoreBudget.of(config.maxBytes());
    Files.createDirectories(config.directory());
    // AUTO reads and the default block cache, settled from maxBytes, the RAM and the filesystem
    // (ReadModeChoice).
    ReadModeChoice.Settled settled =
        ReadModeChoice.settle(config, MachineMemory::totalBytes, DirectIoProbe.SYSTEM);
    config = settled.config();
    log.info("shard store {}: {}", config.directory(), settled.explanation());
    RocksDB.loadLibrary();
    Deque<AutoCloseable> resources = new ArrayDeque<>();
    LongAdder evictions = new LongAdder();
    AtomicBoolean horizonStale = new AtomicBoolean(true);
    try {
      Options options = push(resources, new Options());
      CompactionOptionsFIFO fifo = push(resources, new CompactionOptionsFIFO());
      fifo.setMaxTableFilesSize(budget.tableFilesBytes()).setAllowCompaction(false);
      BloomFilter bloom = push(resources, new BloomFilter(10));
      Statistics statistics = push(resources, new Statistics());
      StoreListener listener = push(resources, new StoreListener(evictions, horizonStale));
      BlockBasedTableConfig table =
          new BlockBasedTableConfig().setFilterPolicy(bloom).setBlockSize(64 * 1024);
      if (config.effectiveBlockCacheBytes() > 0) {
        long blockCache = config.effectiveBlockCacheBytes();
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
          // pread),
          // cheaper warm, dearer cold; bench/results/2026-11-shard-vs-ats.md "The hit path" has the
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
          .setListeners(List.of(listener));
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
      ReadOptions readOptions = push(resources, new ReadOptions().setVerifyChecksums(true));
      // Reads whose value ValueCodec verifies (header CRC32C, body or chunk CRC32C, lengths: every
      // byte a
      // hit serves) skip RocksDB's block checksum, a second pass over each 60 KiB block read from a
      // file.
      // Iterators and key checks keep it. bench/results/2026-11-shard-vs-ats.md "Cold page cache"
      // has the measurements.
      ReadOptions hitReads =
          push(
              resources,
              new ReadOptions()
                  .setVerifyChecksums(
                      Boolean.parseBoolean(
                          System.getProperty(VERIFY_BLOCK_CHECKSUMS_PROPERTY, "false"))));
      // Memtables and cached blocks only: RocksDB answers Incomplete instead of reading a file.
      ReadOptions memoryOnly =
          push(
              resources,
              new ReadOptions().setVerifyChecksums(true).setReadTier(ReadTier.BLOCK_CACHE_TIER));
      WriteOptions writeOptions = push(resources, new WriteOptions());
      RocksDB db = push(resources, RocksDB.open(options, config.directory().toString()));
      ThreadPoolExecutor executor =
          new ThreadPoolExecutor(
              config.threads(),
              config.threads(),
              0,
              TimeUnit.MILLISECONDS,
              new ArrayBlockingQueue<>(config.queueCapacity()),
              namedDaemonThreads("shard-store-"),
              new ThreadPoolExecutor.AbortPolicy());
      executor.prestartAllCoreThreads();
      ShardStore store =
          new ShardStore(
              config,
              layout,
              budget,
              resources,
              db,
              readOptions,
              hitReads,
              memoryOnly,
              writeOptions,
              statistics,
              executor,
              evictions,
              horizonStale,
              policy);
      log.info(
          "opened shard store {} ({}): maxBytes={} dataFiles={} writeBuffer={} maxValue={}",
          config.directory(),
          layout,
          budget.maxBytes(),
          budget.tableFilesBytes(),
          budget.writeBufferBytes(),
          budget.maxValueBytes());
      return store;
    } catch (RocksDBException | RuntimeException e) {
      closeAll(resources);
      throw new IOException(
          "cannot open shard store in " + config.directory() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Looks {@code key} up. The body's checksum is verified: a mismatch is logged, counted, deleted
   * and returned as empty (a miss). A hit close to the eviction horizon may rewrite the object (see
   * {@link StoreStats#reinsertions()}).
   */
  public CompletableFuture<Optional<StoredObject>> get(String key) {
    byte[] keyBytes = keyBytes(key);
    return submit(
        () -> {
          long keyHash = FrequencySketch.hash(keyBytes);
          policy.recordAccess(keyHash);
          int stripe = stripe(keyHash);
          long version = stripeVersions.get(stripe);
          byte[] value;
          try {
            value = db.get(hitReads, keyBytes);
          } catch (RocksDBException e) {
            if (isCorruption(e)) {
              dropCorrupt(key, keyBytes, keyHash, "RocksDB: " + e.getMessage());
              return Optional.empty();
            }
            throw e;
          }
          if (value == null) {
            misses.increment();
            return Optional.empty();
          }
          StoredObject object;
          ValueCodec.Header header;
          try {
            header = ValueCodec.decodeHeader(value, value.length);
            object =
                header.chunked()
                    ? new StoredObject(
                        header.contentType(),
                        header.etag(),
                        header.lastModified(),
                        header.cacheControl(),
                        header.storedAtMillis(),
                        readChunks(keyBytes, header))
                    : ValueCodec.decode(value, header);
          } catch (ValueCodec.CorruptValueException e) {
            dropCorrupt(key, keyBytes, keyHash, e);
            return Optional.empty();
          }
          hits.increment();
          if (shouldReinsert(keyHash, header) && admitReinsertion(keyBytes, header, value.length)) {
            ValueCodec.Header read = header;
            StoredObject found = object;
            reinsertIfUnchanged(
                stripe,
                version,
                sequence -> {
                  if (read.chunked()) {
                    writeChunked(keyBytes, found, sequence);
                  } else {
                    ValueCodec.setWriteSequence(value, read, sequence);
                    db.put(writeOptions, keyBytes, value);
                  }
                });
          }
          return Optional.of(object);
        });
  }

  /**
   * Reads {@code length} body bytes from {@code offset} of the object under {@code key}, verified.
   * Bodies larger than 1 MiB are stored in 1 MiB chunks, and only the chunks the range covers are
   * read; a smaller body is read whole (it is one RocksDB value). To stream a large body with
   * bounded memory, call this repeatedly and check that the ETag stays the same. Counts as a
   * request for the key (hit or miss) like {@link #get(String)}, without re-insertion.
   */
  public CompletableFuture<Optional<StoredRange>> getRange(String key, long offset, int length) {
    byte[] keyBytes = keyBytes(key);
    if (offset < 0) {
      throw new IllegalArgumentException("offset: " + offset + " (expected: >= 0)");
    }
    if (length < 0) {
      throw new IllegalArgumentException("length: " + length + " (expected: >= 0)");
    }
    return submit(
        () -> {
          long keyHash = FrequencySketch.hash(keyBytes);
          policy.recordAccess(keyHash);
          try {
            byte[] value = db.get(hitReads, keyBytes);
            if (value == null) {
              misses.increment();
              return Optional.empty();
            }
            ValueCodec.Header header = ValueCodec.decodeHeader(value, value.length);
            long total = header.bodyLength();
            int n = (int) Math.max(0, Math.min(length, total - offset));
            byte[] bytes = new byte[n];
            if (!header.chunked()) {
              StoredObject object = ValueCodec.decode(value, header);
              System.arraycopy(object.body(), (int) Math.min(offset, total), bytes, 0, n);
            } else if (n > 0) {
              int first = (int) (offset / header.chunkBytes());
              int last = (int) ((offset + n - 1) / header.chunkBytes());
              for (int i = first; i <= last; i++) {
                byte[] chunk = readChunk(keyBytes, header, i);
                long chunkStart = (long) i * header.chunkBytes();
                long from = Math.max(offset, chunkStart);
                long to = Math.min(offset + n, chunkStart + header.chunkLength(i));
                System.arraycopy(
                    chunk,
                    ValueCodec.CHUNK_PREFIX_BYTES + (int) (from - chunkStart),
                    bytes,
                    (int) (from - offset),
                    (int) (to - from));
              }
            }
            hits.increment();
            return Optional.of(
                new StoredRange(
                    header.contentType(),
                    header.etag(),
                    header.lastModified(),
                    header.cacheControl(),
                    header.storedAtMillis(),
                    total,
                    offset,
                    bytes));
          } catch (ValueCodec.CorruptValueException e) {
            dropCorrupt(key, keyBytes, keyHash, e);
            return Optional.empty();
          } catch (RocksDBException e) {
            if (isCorruption(e)) {
              dropCorrupt(key, keyBytes, keyHash, "RocksDB: " + e.getMessage());
              return Optional.empty();
            }
            throw e;
          }
        });
  }

  /**
   * Looks {@code key} up like {@link #get(String)} but copies the value from RocksDB straight into
   * a buffer from {@code allocate} (give it direct memory, e.g. a pooled Netty buffer's {@code
   * nioBuffer(0, n)}), so a large body never lands on the Java heap. {@code allocate} is called
   * with the number of bytes needed (the body, or for a body of 1 MiB or less the whole value with
   * its header), at most twice; each buffer it returned that does not end up in the result (a retry
   * after a concurrent replace, a checksum failure, an error) is handed to {@code release}. The
   * result's body is a read-only slice of the buffer; a Range response can slice it further.
   */
  public CompletableFuture<Optional<DirectObject>> getDirect(
      String key, IntFunction<ByteBuffer> allocate, Consumer<ByteBuffer> release) {
    return lookup(key, allocate, release, true)
        .thenApply(found -> found.map(DirectObject.class::cast));
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
     * (bench/results/2026-11-shard-vs-ats.md, "Where a cold direct hit and a 4 MiB hit spend their
     * CPU"). Shards of at least 64 MiB hold 60-odd chunks each; a cache of 4 GiB and up keeps
     * RocksDB's 64 shards (lock spread).
     */
    int bits = 0;
    while (bits < 6 && (capacityBytes >> (bits + 1)) >= MIN_BLOCK_CACHE_SHARD_BYTES) {
      bits++;
    }
    return bits;
  }

  /**
   * Whether a body of {@code bodyLength} bytes is stored in chunks (and found as a {@link
   * ChunkedBody}).
   */
  public static boolean storesInChunks(int bodyLength) {
    return bodyLength > CHUNK_BYTES;
  }

  /**
   * Looks {@code key} up like {@link #getDirect}, except that a body stored in chunks (over 1 MiB)
   * is not read: the result is then a {@link ChunkedBody}, whose chunks {@link #readChunk} reads
   * one at a time, so a response can read the next chunk only when its client has taken the last (a
   * 15 MB picture sent to a slow client holds a chunk or two of memory, not 15 MB). {@code
   * allocate} is only called for a {@link DirectObject}.
   */
  public CompletableFuture<Optional<StoreHit>> find(
      String key, IntFunction<ByteBuffer> allocate, Consumer<ByteBuffer> release) {
    return lookup(key, allocate, release, false);
  }

  /**
   * Reads chunk {@code index} of {@code body} into a buffer from {@code allocate} (asked for
   * exactly {@link ChunkedBody#chunkValueBytes(int)}; handed to {@code release} if the read fails)
   * and completes with a read-only slice of it holding the chunk's body bytes, verified: the
   * buffer's last {@link ChunkedBody#chunkLength(int)} bytes. Fails with {@link
   * ChunkUnavailableException} when the object was replaced, deleted or evicted since {@link #find}
   * (its chunks may now be another version's: a response must be cut, not continued with them), or
   * when the chunk is corrupt (the object is then deleted and counted in {@link
   * StoreStats#checksumFailures()}).
   */
  public CompletableFuture<ByteBuffer> readChunk(
      ChunkedBody body, int index, IntFunction<ByteBuffer> allocate, Consumer<ByteBuffer> release) {
    Objects.requireNonNull(body, "body");
    Objects.checkIndex(index, body.chunkCount());
    Objects.requireNonNull(allocate, "allocate");
    Objects.requireNonNull(release, "release");
    return submit(
        () -> {
          ValueCodec.Header header = body.header();
          byte[] keyBytes = body.keyBytes();
          ByteBuffer target = allocateExactly(allocate, release, body.chunkValueBytes(index));
          try {
            int size = db.get(hitReads, directKey(chunkKey(keyBytes, index)), target.duplicate());
            if (size == RocksDB.NOT_FOUND) {
              throw new ValueCodec.MissingChunkException(header, index);
            }
            if (size != target.remaining()) {
              throw new ValueCodec.ChunkMismatchException(
                  "chunk " + index + " length " + size + " (expected: " + target.remaining() + ")",
                  header);
            }
            ValueCodec.verifyChunk(target, header, index);
            return target
                .slice(ValueCodec.CHUNK_PREFIX_BYTES, body.chunkLength(index))
                .asReadOnlyBuffer();
          } catch (ValueCodec.CorruptValueException e) {
            release.accept(target);
            if (stale(keyBytes, e)) {
              throw new ChunkUnavailableException(
                  LogSafe.key(body.key()) + ": replaced or evicted while it was read");
            }
            dropCorrupt(body.key(), keyBytes, FrequencySketch.hash(keyBytes), e.getMessage());
            throw new ChunkUnavailableException(
                LogSafe.key(body.key()) + ": corrupt chunk " + index + " (" + e.getMessage() + ")");
          } catch (RocksDBException | RuntimeException e) {
            release.accept(target);
            if (e instanceof RocksDBException rocks && isCorruption(rocks)) {
              dropCorrupt(
                  body.key(),
                  keyBytes,
                  FrequencySketch.hash(keyBytes),
                  "RocksDB: " + rocks.getMessage());
              throw new ChunkUnavailableException(
                  LogSafe.key(body.key())
                      + ": corrupt chunk "
                      + index
                      + " ("
                      + rocks.getMessage()
                      + ")");
            }
            throw e;
          }
        });
  }

  private CompletableFuture<Optional<StoreHit>> lookup(
      String key,
      IntFunction<ByteBuffer> allocate,
      Consumer<ByteBuffer> release,
      boolean readChunked) {
    byte[] keyBytes = keyBytes(key);
    Objects.requireNonNull(allocate, "allocate");
    Objects.requireNonNull(release, "release");
    return submit(
        () -> {
          long keyHash = FrequencySketch.hash(keyBytes);
          policy.recordAccess(keyHash);
          int stripe = stripe(keyHash);
          long version = stripeVersions.get(stripe);
          ByteBuffer keyBuffer = directKey(keyBytes);
          ByteBuffer value = null;
          DirectObject object = null;
          ValueCodec.Header header = null;
          try {
            int hint = useSizeHints ? sizeHints.get(keyHash) : 0;
            for (int attempt = 0; attempt < 2 && value == null; attempt++) {
              if (attempt == 0 && hint > 0) {
                // The size is known: RocksDB copies the value straight into the caller's buffer.
                ByteBuffer target = allocateExactly(allocate, release, hint);
                int size;
                try {
                  size = db.get(hitReads, keyBuffer.duplicate(), target.duplicate());
                } catch (RocksDBException | RuntimeException e) {
                  release.accept(target);
                  throw e;
                }
                ValueCodec.Header inline = size == hint ? inlineHeaderOrNull(target) : null;
                if (inline != null) {
                  value = target;
                  header = inline;
                } else {
                  release.accept(target);
                  if (size == RocksDB.NOT_FOUND) {
                    sizeHints.remove(keyHash);
                    misses.increment();
                    return Optional.empty();
                  }
                  // Replaced, or another key's hint: the next attempt reads through the scratch
                  // buffer.
                }
                continue;
              }
              ByteBuffer first = scratch.get().clear();
              int size = db.get(hitReads, keyBuffer.duplicate(), first);
              if (size == RocksDB.NOT_FOUND) {
                misses.increment();
                return Optional.empty();
              }
              if (size <= first.capacity()) {
                header = ValueCodec.decodeHeader(first.duplicate());
                if (header.chunked() && !readChunked) {
                  hits.increment();
                  return Optional.of(
                      new ChunkedBody(
                          key,
                          keyBytes,
                          reinsertIfDue(keyBytes, keyHash, stripe, version, header)));
                }
                if (header.chunked()) {
                  value = allocateExactly(allocate, release, header.bodyLength());
                  try {
                    readChunksInto(keyBytes, header, value);
                  } catch (ValueCodec.CorruptValueException
                      | RocksDBException
                      | RuntimeException e) {
                    release.accept(value);
                    throw e;
                  }
                  object =
                      new DirectObject(
                          header.contentType(),
                          header.etag(),
                          header.lastModified(),
                          header.cacheControl(),
                          header.storedAtMillis(),
                          value.asReadOnlyBuffer());
                } else {
                  value = allocateExactly(allocate, release, size);
                  value.put(value.position(), first, 0, size);
                  sizeHints.put(keyHash, size);
                }
              } else {
                // An inline value above the scratch size (written before chunking existed): read it
                // again.
                ByteBuffer target = allocateExactly(allocate, release, size);
                if (db.get(hitReads, keyBuffer.duplicate(), target.duplicate()) == size) {
                  value = target;
                } else {
                  release.accept(target); // replaced between the two reads; read again
                }
              }
            }
            if (value == null) {
              misses.increment();
              return Optional.empty();
            }
            if (object == null) {
              try {
                header =
                    header != null
                        ? header
                        : ValueCodec.decodeHeader(value); // null: read past the scratch
                object = ValueCodec.decode(value, header);
              } catch (ValueCodec.CorruptValueException e) {
                release.accept(value);
                throw e;
              }
            }
          } catch (ValueCodec.CorruptValueException e) {
            dropCorrupt(key, keyBytes, keyHash, e);
            return Optional.empty();
          } catch (RocksDBException e) {
            if (isCorruption(e)) {
              dropCorrupt(key, keyBytes, keyHash, "RocksDB: " + e.getMessage());
              return Optional.empty();
            }
            throw e;
          }
          hits.increment();
          if (shouldReinsert(keyHash, header)
              && admitReinsertion(keyBytes, header, value.remaining())) {
            ValueCodec.Header read = header;
            DirectObject found = object;
            ByteBuffer stored = value;
            reinsertIfUnchanged(
                stripe,
                version,
                sequence -> {
                  if (read.chunked()) {
                    writeChunked(keyBytes, found, sequence);
                  } else {
                    ValueCodec.setWriteSequence(stored, read, sequence);
                    db.put(writeOptions, keyBuffer.duplicate(), stored.duplicate());
                  }
                });
          }
          return Optional.<StoreHit>of(object);
        });
  }

  /**
   * Re-inserts a chunked object that is close to the eviction horizon (as getDirect re-inserts what
   * it read): its chunks are read onto the heap, on this store thread, and written again under a
   * new write sequence; returns the header its chunks now carry. Memory: one body per store thread
   * at most.
   */
  private ValueCodec.Header reinsertIfDue(
      byte[] keyBytes, long keyHash, int stripe, long version, ValueCodec.Header header)
      throws RocksDBException, ValueCodec.CorruptValueException {
    if (!shouldReinsert(keyHash, header) || !admitReinsertion(keyBytes, header, 0)) {
      return header;
    }
    StoredObject object =
        new StoredObject(
            header.contentType(),
            header.etag(),
            header.lastModified(),
            header.cacheControl(),
            header.storedAtMillis(),
            readChunks(keyBytes, header));
    long sequence =
        reinsertIfUnchanged(stripe, version, next -> writeChunked(keyBytes, object, next));
    // Replaced or deleted meanwhile (no re-insertion): the reader finds out chunk by chunk.
    return sequence < 0 ? header : header.withWriteSequence(sequence);
  }

  /** Writes a value under a write sequence it is given. */
  private interface Rewrite {
    void write(long sequence) throws RocksDBException;
  }

  /**
   * Re-inserts under the key's stripe lock, with the next write sequence, if nothing has written
   * the stripe since {@code version} was read (a stale copy must never overwrite a newer value or
   * resurrect a deleted one); returns the sequence written, or -1 when the stripe changed.
   */
  private long reinsertIfUnchanged(int stripe, long version, Rewrite rewrite)
      throws RocksDBException {
    synchronized (stripeLocks[stripe]) {
      if (stripeVersions.get(stripe) != version) {
        return -1;
      }
      long sequence = db.getLatestSequenceNumber() + 1;
      rewrite.write(sequence);
      stripeVersions.incrementAndGet(stripe);
      reinsertions.increment();
      return sequence;
    }
  }

  /**
   * Answers {@code key} from memory alone (RocksDB's memtables and block cache) on the caller's
   * thread, into a buffer from {@code allocate} as {@link #getDirect} does. Empty when that is not
   * possible without reading a file, and also for a miss, a chunked body (over 1 MiB), a value that
   * fails verification and an object due for re-insertion: call {@link #getDirect} then, which
   * handles each (and counts it). Never reads or writes a file, so an event loop may call it. Only
   * a returned object counts (as a hit and a request for the key).
   */
  public Optional<DirectObject> getCached(
      String key, IntFunction<ByteBuffer> allocate, Consumer<ByteBuffer> release) {
    /*
     * KeyMayExist reads with ReadTier.BLOCK_CACHE_TIER: where a get would read a table file it stops and
     * says "may exist, value not found" (a get with that tier does the same but reports it as an
     * Incomplete status, i.e. a RocksDBException with a stack trace per probe: measured at several % of
     * the CPU of a hit). Bloom filters and indexes live in the open table readers (not in the block
     * cache), so a lookup that can be answered needs no I/O at all. With a size hint (SizeHints) the
     * value goes straight into the caller's buffer; without one (or without a block cache, where memory
     * rarely has it and a leased buffer would mostly go back unused) to this thread's scratch buffer
     * first, then once into the caller's buffer.
     */
    byte[] keyBytes = keyBytes(key);
    Objects.requireNonNull(allocate, "allocate");
    Objects.requireNonNull(release, "release");
    long stamp = callerThreadReads.tryReadLock();
    if (stamp == 0L) {
      return Optional.empty(); // closing
    }
    try {
      if (closed.get()) {
        return Optional.empty();
      }
      long keyHash = FrequencySketch.hash(keyBytes);
      int hint = useSizeHints && config.effectiveBlockCacheBytes() > 0 ? sizeHints.get(keyHash) : 0;
      // With a size hint the value goes straight into the caller's buffer, else through the scratch
      // buffer.
      ByteBuffer owned = hint > 0 ? allocateExactly(allocate, release, hint) : null;
      try {
        ByteBuffer read = owned != null ? owned : scratch.get().clear();
        KeyMayExist found = db.keyMayExist(memoryOnly, directKey(keyBytes), read.duplicate());
        int size = found.valueLength;
        if (found.exists != KeyMayExist.KeyMayExistEnum.kExistsWithValue
            || (owned != null ? size != hint : size > read.capacity())) {
          return Optional.empty(); // not in memory, or another size than hinted: getDirect reads it
        }
        read = read.duplicate().clear().limit(size);
        ValueCodec.Header header = ValueCodec.decodeHeader(read);
        // (shouldReinsert may refresh the eviction horizon: table-file metadata RocksDB holds in
        // memory.)
        if (header.chunked() || shouldReinsert(keyHash, header)) {
          return Optional.empty();
        }
        if (owned == null) {
          owned = allocateExactly(allocate, release, size);
          owned.put(owned.position(), read, 0, size);
          sizeHints.put(keyHash, size);
        }
        DirectObject object = ValueCodec.decode(owned, header);
        owned = null; // the caller's now
        policy.recordAccess(keyHash);
        hits.increment();
        memoryHits.increment();
        return Optional.of(object);
      } finally {
        if (owned != null) {
          release.accept(owned);
        }
      }
    } catch (RocksDBException | ValueCodec.CorruptValueException e) {
      return Optional.empty(); // Incomplete (not in memory), or a problem getDirect will report
    } finally {
      callerThreadReads.unlockRead(stamp);
    }
  }

  /**
   * Stores {@code value} under {@code key}, replacing what was there, whatever the admission policy
   * says. A value whose encoding exceeds {@link #maxValueBytes()} is not stored (the future still
   * completes normally), nor one that could take the directory over maxBytes while RocksDB's
   * background work lags ({@link StoreStats#boundRefusals()}).
   */
  public CompletableFuture<Void> put(String key, StoredObject value) {
    byte[] keyBytes = keyBytes(key);
    Objects.requireNonNull(value, "value");
    if (ValueCodec.encodedLength(value) > budget.maxValueBytes()) {
      return CompletableFuture.completedFuture(null);
    }
    return submit(
        () -> {
          write(keyBytes, FrequencySketch.hash(keyBytes), value);
          return null;
        });
  }

  /**
   * Stores {@code value} under {@code key} if the admission policy lets it in: the key must have
   * been asked for (get, getCached, getDirect or getRange) at least {@link
   * StoreConfig#admitMinRequests()} times recently (default 4), so objects requested once do not
   * wear the SSD. The future tells whether the value was written (false also for a value over
   * {@link #maxValueBytes()} or one the byte bound's guard refuses). This is what the fill path
   * after a miss should call.
   */
  public CompletableFuture<Boolean> offer(String key, StoredObject value) {
    byte[] keyBytes = keyBytes(key);
    Objects.requireNonNull(value, "value");
    if (ValueCodec.encodedLength(value) > budget.maxValueBytes()) {
      return CompletableFuture.completedFuture(false);
    }
    long keyHash = FrequencySketch.hash(keyBytes);
    if (!policy.shouldAdmit(keyHash)) {
      admissionRejections.increment();
      return CompletableFuture.completedFuture(false);
    }
    return submit(() -> write(keyBytes, keyHash, value));
  }

  /** Removes {@code key}; the future tells whether it was there. */
  public CompletableFuture<Boolean> delete(String key) {
    byte[] keyBytes = keyBytes(key);
    return submit(
        () -> {
          int stripe = stripe(FrequencySketch.hash(keyBytes));
          synchronized (stripeLocks[stripe]) {
            boolean present = db.keyExists(readOptions, keyBytes);
            if (present) {
              db.delete(writeOptions, keyBytes);
            }
            stripeVersions.incrementAndGet(stripe);
            return present;
          }
        });
  }

  /**
   * Deletes every object whose key starts with {@code prefix} (e.g. all cached variants of one
   * original, which the shard keys by object key first). Walks only that key range; returns how
   * many were deleted.
   */
  public CompletableFuture<Integer> deletePrefix(String prefix) {
    byte[] prefixBytes = keyBytes(prefix);
    return submit(
        () -> {
          java.util.List<byte[]> keys = new java.util.ArrayList<>();
          try (RocksIterator it = db.newIterator(readOptions)) {
            for (it.seek(prefixBytes);
                it.isValid() && startsWith(it.key(), prefixBytes);
                it.next()) {
              if (!isChunkKey(it.key())) {
                keys.add(it.key());
              }
            }
          }
          int deleted = 0;
          for (byte[] key : keys) {
            int stripe = stripe(FrequencySketch.hash(key));
            synchronized (stripeLocks[stripe]) {
              if (db.keyExists(readOptions, key)) {
                db.delete(writeOptions, key);
                deleted++;
              }
              stripeVersions.incrementAndGet(stripe);
            }
          }
          return deleted;
        });
  }

  private static boolean startsWith(byte[] key, byte[] prefix) {
    return key.length >= prefix.length
        && java.util.Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }

  /** Bytes of every file under the store's directory (tables, blobs, WAL, MANIFEST, logs, ...). */
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
    long diskBytesWritten = 0;
    if (!closed.get()) {
      try {
        objects = db.getLongProperty("rocksdb.estimate-num-keys");
        bytes = dataFileBytes() + db.getLongProperty("rocksdb.cur-size-all-mem-tables");
      } catch (RocksDBException e) {
        log.warn("cannot read RocksDB properties: {}", e.getMessage());
      }
      diskBytesWritten =
          statistics.getTickerCount(TickerType.WAL_FILE_BYTES)
              + statistics.getTickerCount(TickerType.FLUSH_WRITE_BYTES)
              + statistics.getTickerCount(TickerType.COMPACT_WRITE_BYTES)
              + statistics.getTickerCount(TickerType.BLOB_DB_BLOB_FILE_BYTES_WRITTEN);
    }
    return new StoreStats(
        objects,
        bytes,
        hits.sum(),
        memoryHits.sum(),
        misses.sum(),
        puts.sum(),
        evictions.sum(),
        checksumFailures.sum(),
        reinsertions.sum(),
        admissionRejections.sum(),
        bytesAdmitted.sum(),
        diskBytesWritten,
        boundRefusals.sum());
  }

  /**
   * Largest encoded value (header + body) this store admits; larger ones are skipped by {@link
   * #put}.
   */
  public long maxValueBytes() {
    return budget.maxValueBytes();
  }

  /** The configuration this store was opened with. */
  public StoreConfig config() {
    return config;
  }

  /** The value layout this store was opened with. */
  public StoreLayout layout() {
    return layout;
  }

  /**
   * Stops accepting calls, waits for the calls already accepted, then closes every RocksDB object
   * once, last created first. Idempotent.
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
      log.error(
          "shard store {}: calls still running after {} s; RocksDB left open",
          config.directory(),
          CLOSE_WAIT_SECONDS);
      return;
    }
    callerThreadReads.writeLock(); // waits for getCached calls in progress; later ones see `closed`
    closeAll(resources);
    log.info("closed shard store {}", config.directory());
  }

  /** Runs {@code task} on the store's pool; package-private so tests can occupy the pool. */
  <T> CompletableFuture<T> submit(Callable<T> task) {
    if (closed.get()) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("shard store closed: " + config.directory()));
    }
    CompletableFuture<T> future = new CompletableFuture<>();
    try {
      executor.execute(
          () -> {
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

  /**
   * Writes raw bytes as a value, bypassing the encoder and the key checks; for tests that corrupt a
   * stored value. The key is taken as ISO-8859-1, one byte per char, so chunk keys can be named.
   */
  void putRaw(String key, byte[] value) throws RocksDBException {
    db.put(writeOptions, key.getBytes(StandardCharsets.ISO_8859_1), value);
  }

  /** The decoded header stored under {@code key}; for tests. */
  ValueCodec.Header header(String key) throws RocksDBException, ValueCodec.CorruptValueException {
    byte[] value = db.get(readOptions, keyBytes(key));
    return ValueCodec.decodeHeader(value, value.length);
  }

  /** The size hint held for {@code key} (0: none); for tests. */
  int sizeHint(String key) {
    return sizeHints.get(FrequencySketch.hash(keyBytes(key)));
  }

  /** Data blocks RocksDB had to read from a file (not in the block cache) so far; for tests. */
  long blockCacheDataMisses() {
    return statistics.getTickerCount(TickerType.BLOCK_CACHE_DATA_MISS);
  }

  /** Forces the memtable to a table file; for tests. */
  void flush() throws RocksDBException {
    try (FlushOptions flushOptions = new FlushOptions().setWaitForFlush(true)) {
      db.flush(flushOptions);
    }
  }

  /** What a full scan of the store found. */
  record ScanResult(long intact, long corrupt) {}

  /**
   * Reads and verifies every stored value (on the caller's thread); for tests and offline checks.
   */
  ScanResult verifyAll() {
    long intact = 0;
    long corrupt = 0;
    try (RocksIterator it = db.newIterator(readOptions)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] key = it.key();
        if (isChunkKey(key)) {
          continue; // verified with its header
        }
        try {
          byte[] value = it.value();
          ValueCodec.Header header = ValueCodec.decodeHeader(value, value.length);
          if (header.chunked()) {
            readChunks(key, header);
          } else {
            ValueCodec.decode(value, header);
          }
          intact++;
        } catch (ValueCodec.ChunkMismatchException e) {
          try {
            if (evictedOrReplaced(key, e.writeSequence())) {
              continue; // dropped by FIFO while we scanned (e.g. right after open)
            }
          } catch (RocksDBException rocks) {
            // counted as corrupt below
          }
          log.warn(
              "shard store {}: key {} fails verification: {}",
              config.directory(),
              LogSafe.key(new String(key, StandardCharsets.UTF_8)),
              e.getMessage());
          corrupt++;
        } catch (ValueCodec.CorruptValueException | RocksDBException e) {
          log.warn(
              "shard store {}: key {} fails verification: {}",
              config.directory(),
              LogSafe.key(new String(key, StandardCharsets.UTF_8)),
              e.getMessage());
          corrupt++;
        }
      }
    }
    return new ScanResult(intact, corrupt);
  }

  StoreBudget budget() {
    return budget;
  }

  private static boolean isChunkKey(byte[] key) {
    return key.length >= 5 && key[key.length - 5] == 0;
  }

  /** Writes a value unless the disk guard refuses it; true if written. */
  private boolean write(byte[] keyBytes, long keyHash, StoredObject value) throws RocksDBException {
    if (!guard.tryAdmit(
        storedLength(keyBytes, value.body().length, ValueCodec.encodedLength(value)))) {
      boundRefusals.increment();
      return false;
    }
    int stripe = stripe(keyHash);
    synchronized (stripeLocks[stripe]) {
      long sequence = db.getLatestSequenceNumber() + 1;
      long written;
      if (value.body().length > CHUNK_BYTES) {
        written = writeChunked(keyBytes, value, sequence);
      } else {
        byte[] encoded = ValueCodec.encode(value, sequence);
        db.put(writeOptions, keyBytes, encoded);
        written = encoded.length;
      }
      sizeHints.put(keyHash, value.body().length > CHUNK_BYTES ? 0 : (int) written);
      stripeVersions.incrementAndGet(stripe);
      puts.increment();
      bytesAdmitted.add(written);
    }
    return true;
  }

  /**
   * Bytes a write adds to the WAL and later to a table file: keys and values, chunk keys included.
   */
  private static long storedLength(byte[] keyBytes, int bodyLength, long encodedLength) {
    int chunks = bodyLength > CHUNK_BYTES ? (bodyLength + CHUNK_BYTES - 1) / CHUNK_BYTES : 0;
    return encodedLength
        + keyBytes.length
        + (long) chunks * (keyBytes.length + 5 + ValueCodec.CHUNK_PREFIX_BYTES + 4);
  }

  private long diskAndMemtableBytes() {
    try {
      return diskUsageBytes() + db.getLongProperty("rocksdb.cur-size-all-mem-tables");
    } catch (RocksDBException e) {
      log.warn("cannot read memtable size: {}", e.getMessage());
      return Long.MAX_VALUE / 4; // refuse rather than risk the bound
    }
  }

  /** Writes a chunked header and its chunks in one batch; returns the bytes written. */
  private long writeChunked(byte[] keyBytes, StoredObject value, long sequence)
      throws RocksDBException {
    byte[] header = ValueCodec.encodeChunkedHeader(value, sequence, CHUNK_BYTES);
    long written = header.length;
    try (WriteBatch batch = new WriteBatch()) {
      batch.put(keyBytes, header);
      byte[] body = value.body();
      for (int i = 0, offset = 0; offset < body.length; i++, offset += CHUNK_BYTES) {
        byte[] chunk =
            ValueCodec.encodeChunk(
                body, offset, Math.min(CHUNK_BYTES, body.length - offset), sequence);
        batch.put(chunkKey(keyBytes, i), chunk);
        written += chunk.length;
      }
      db.write(writeOptions, batch);
    }
    return written;
  }

  /** Writes a chunked object whose body is in a buffer (a re-insertion from getDirect). */
  private void writeChunked(byte[] keyBytes, DirectObject value, long sequence)
      throws RocksDBException {
    byte[] body = new byte[value.bodyLength()];
    value.body().duplicate().get(body);
    writeChunked(
        keyBytes,
        new StoredObject(
            value.contentType(),
            value.etag(),
            value.lastModified(),
            value.cacheControl(),
            value.storedAtMillis(),
            body),
        sequence);
  }

  /** Reads and verifies every chunk of a chunked body onto the heap. */
  private byte[] readChunks(byte[] keyBytes, ValueCodec.Header header)
      throws RocksDBException, ValueCodec.CorruptValueException {
    byte[] body = new byte[header.bodyLength()];
    for (int i = 0; i < header.chunkCount(); i++) {
      byte[] chunk = readChunk(keyBytes, header, i);
      System.arraycopy(
          chunk,
          ValueCodec.CHUNK_PREFIX_BYTES,
          body,
          i * header.chunkBytes(),
          header.chunkLength(i));
    }
    return body;
  }

  private byte[] readChunk(byte[] keyBytes, ValueCodec.Header header, int index)
      throws RocksDBException, ValueCodec.CorruptValueException {
    byte[] chunk = db.get(hitReads, chunkKey(keyBytes, index));
    if (chunk == null) {
      throw new ValueCodec.MissingChunkException(header, index);
    }
    ValueCodec.verifyChunk(chunk, header, index);
    return chunk;
  }

  /**
   * Reads and verifies every chunk of a chunked body into {@code target} (its position on), via
   * scratch.
   */
  private void readChunksInto(byte[] keyBytes, ValueCodec.Header header, ByteBuffer target)
      throws RocksDBException, ValueCodec.CorruptValueException {
    for (int i = 0; i < header.chunkCount(); i++) {
      ByteBuffer chunk = scratch.get().clear();
      int size = db.get(hitReads, directKey(chunkKey(keyBytes, i)), chunk);
      if (size == RocksDB.NOT_FOUND) {
        throw new ValueCodec.MissingChunkException(header, i);
      }
      if (size > chunk.capacity()) {
        throw new ValueCodec.CorruptValueException(
            "chunk "
                + i
                + " length "
                + size
                + " (expected: <= "
                + (ValueCodec.CHUNK_PREFIX_BYTES + header.chunkBytes())
                + ")");
      }
      ValueCodec.verifyChunk(chunk, header, i);
      target.put(
          target.position() + i * header.chunkBytes(),
          chunk,
          ValueCodec.CHUNK_PREFIX_BYTES,
          header.chunkLength(i));
    }
  }

  /**
   * The header of a value read by size hint when it is an inline value (the only kind hints are
   * kept for); null for a chunked header (the key was replaced) or one that does not decode, which
   * the read through the scratch buffer then reports.
   */
  private static ValueCodec.Header inlineHeaderOrNull(ByteBuffer value) {
    try {
      ValueCodec.Header header = ValueCodec.decodeHeader(value);
      return header.chunked() ? null : header;
    } catch (ValueCodec.CorruptValueException e) {
      return null;
    }
  }

  private static ByteBuffer allocateExactly(
      IntFunction<ByteBuffer> allocate, Consumer<ByteBuffer> release, int size) {
    ByteBuffer target = allocate.apply(size);
    if (target.remaining() < size) {
      release.accept(target);
      throw new IllegalArgumentException(
          "allocate("
              + size
              + ") returned "
              + target.remaining()
              + " bytes (expected: >= "
              + size
              + ")");
    }
    return target.slice(target.position(), size);
  }

  /** The key of chunk {@code index} of the object under {@code keyBytes}: key, 0x00, u32 index. */
  static byte[] chunkKey(byte[] keyBytes, int index) {
    byte[] key = Arrays.copyOf(keyBytes, keyBytes.length + 5);
    key[keyBytes.length + 1] = (byte) (index >>> 24);
    key[keyBytes.length + 2] = (byte) (index >>> 16);
    key[keyBytes.length + 3] = (byte) (index >>> 8);
    key[keyBytes.length + 4] = (byte) index;
    return key;
  }

  private boolean admitReinsertion(byte[] keyBytes, ValueCodec.Header header, int valueLength) {
    long encoded =
        header.chunked() ? header.headerLength() + (long) header.bodyLength() : valueLength;
    if (guard.tryAdmit(storedLength(keyBytes, header.bodyLength(), encoded))) {
      return true;
    }
    boundRefusals.increment();
    return false;
  }

  private boolean shouldReinsert(long keyHash, ValueCodec.Header header) throws RocksDBException {
    EvictionHorizon current = horizon();
    // Table bytes that can still be written before this copy is dropped.
    long capacity = budget.tableFilesBytes();
    long bytesOlder = current.bytesOlderThan(header.writeSequence());
    long distance = bytesOlder + Math.max(0, capacity - current.totalBytes());
    return policy.shouldReinsert(keyHash, distance, capacity);
  }

  private EvictionHorizon horizon() throws RocksDBException {
    if (horizonStale.compareAndSet(true, false)) {
      EvictionHorizon fresh = EvictionHorizon.of(db.getLiveFilesMetaData());
      if (layout == StoreLayout.BLOB_FILES && fresh.totalBytes() > 0) {
        // Table files hold only keys and blob references; scale their sizes up to the data they
        // stand for.
        fresh = fresh.scaledTo(dataFileBytes());
      }
      horizon = fresh;
    }
    return horizon;
  }

  private long dataFileBytes() throws RocksDBException {
    long tables = db.getLongProperty("rocksdb.total-sst-files-size");
    return layout == StoreLayout.BLOB_FILES
        ? tables + db.getLongProperty("rocksdb.total-blob-file-size")
        : tables;
  }

  private void dropCorrupt(
      String key, byte[] keyBytes, long keyHash, ValueCodec.CorruptValueException e)
      throws RocksDBException {
    if (stale(keyBytes, e)) {
      misses.increment();
      return;
    }
    dropCorrupt(key, keyBytes, keyHash, e.getMessage());
  }

  /**
   * Whether {@code e} is a chunk of another version than its header's, because the header changed
   * since.
   */
  private boolean stale(byte[] keyBytes, ValueCodec.CorruptValueException e)
      throws RocksDBException {
    return e instanceof ValueCodec.ChunkMismatchException mismatch
        && evictedOrReplaced(keyBytes, mismatch.writeSequence());
  }

  /**
   * Whether the header of {@code writeSequence}, whose chunk was missing or of another write, is
   * gone or rewritten now: FIFO dropped its table file (header and chunks together), or a put or
   * re-insertion replaced it, between the reads. Then the chunk is a miss, not corruption; with the
   * same header still there, its chunk cannot have been dropped or rewritten.
   */
  private boolean evictedOrReplaced(byte[] keyBytes, long writeSequence) throws RocksDBException {
    byte[] value = db.get(readOptions, keyBytes);
    if (value == null) {
      return true;
    }
    try {
      return ValueCodec.decodeHeader(value, value.length).writeSequence() != writeSequence;
    } catch (ValueCodec.CorruptValueException corrupt) {
      return false;
    }
  }

  private void dropCorrupt(String key, byte[] keyBytes, long keyHash, String reason)
      throws RocksDBException {
    sizeHints.remove(keyHash);
    checksumFailures.increment();
    misses.increment();
    log.warn(
        "shard store {}: corrupt value for key {} deleted ({})",
        config.directory(),
        LogSafe.key(key),
        reason);
    int stripe = stripe(keyHash);
    synchronized (stripeLocks[stripe]) {
      db.delete(writeOptions, keyBytes);
      stripeVersions.incrementAndGet(stripe);
    }
  }

  /**
   * The key in a direct buffer: the thread's key scratch (overwritten by the next call) or a new
   * one.
   */
  private ByteBuffer directKey(byte[] keyBytes) {
    ByteBuffer buffer =
        keyBytes.length <= KEY_SCRATCH_BYTES
            ? keyScratch.get().clear()
            : ByteBuffer.allocateDirect(keyBytes.length);
    return buffer.put(keyBytes).flip();
  }

  private static int stripe(long keyHash) {
    return (int) (keyHash >>> 40) & (STRIPES - 1);
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
    if (key.indexOf('\0') >= 0) {
      throw new IllegalArgumentException(
          "key: contains U+0000 (expected: none; it separates chunk keys)");
    }
    return key.getBytes(StandardCharsets.UTF_8);
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

  private static ThreadFactory namedDaemonThreads(String prefix) {
    AtomicInteger counter = new AtomicInteger();
    return runnable ->
        Thread.ofPlatform()
            .name(prefix + counter.incrementAndGet())
            .daemon(true)
            .unstarted(runnable);
  }

  /**
   * Counts the objects in data files that FIFO drops for size, and marks the eviction horizon stale
   * whenever the set of table files changes.
   */
  private static final class StoreListener extends AbstractEventListener {
    private final LongAdder evictions;
    private final AtomicBoolean horizonStale;

    StoreListener(LongAdder evictions, AtomicBoolean horizonStale) {
      super(EnabledEventCallback.ON_COMPACTION_COMPLETED, EnabledEventCallback.ON_FLUSH_COMPLETED);
      this.evictions = evictions;
      this.horizonStale = horizonStale;
    }

    @Override
    public void onFlushCompleted(RocksDB db, FlushJobInfo info) {
      horizonStale.set(true);
    }

    @Override
    public void onCompactionCompleted(RocksDB db, CompactionJobInfo info) {
      horizonStale.set(true);
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
