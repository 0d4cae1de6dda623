package io.imgcdn.shard.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;
import org.rocksdb.RocksDBException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * RocksDB-backed, byte-bounded, restart-surviving cache store. Every call that may touch a file
 * runs on the store's own bounded pool of platform threads (never the caller's event loop); when
 * the pool's queue is full the returned future fails at once with {@link
 * RejectedExecutionException}. {@link #getCached} alone runs on the caller's thread, from memory.
 */
public final class ShardStore implements AutoCloseable {

  /*
   * A facade over package-private parts, one concern each:
   *
   *   StoreDatabase   opening and recovery: RocksDB's options, the read mode and block cache, WAL
   *                   replay, a store that cannot be opened (OpenRecovery) or finds its disk full,
   *                   every native object closed once, last created first
   *   StoreSpace      the bound while running: the lower of maxBytes and what the filesystem can give
   *                   (DiskRoom), watched every second; FIFO's share, the guard, writable()
   *   HitReads        find and readChunk on the store's threads, every byte verified
   *   MemoryReads     getCached: memtables and block cache only, on the caller's thread
   *   Verification    what a value failing verification becomes (a miss; corruption is also counted
   *                   and deleted), verified chunk reads onto the heap, the full scan
   *   ValueWriter     put and offer, chunked writes, asking StoreSpace's guard first
   *   Reinserter      the eviction horizon and re-insertion of hot objects near it
   *   StoreDeletes    delete and deletePrefix (purge)
   *   StoreThreads    the bounded pool; KeyStripes the per-key write order; StoreKeys the key encoding
   *
   * Where each invariant lives:
   *
   * - Byte bound: StoreBudget's arithmetic, applied by StoreDatabase (FIFO's share, memtables, WAL,
   *   LOG and MANIFEST caps, no fallocate), and DiskGuard in front of every write and re-insertion,
   *   which holds even when RocksDB's background work lags. The bound is the lower of maxBytes and
   *   what the filesystem can give (DiskRoom: store + free - reserve); StoreSpace moves FIFO's share
   *   and the guard's limit with it, so a full disk makes the store evict, never stop.
   * - A node is never down because of its cache: files RocksDB cannot open are moved aside and the
   *   store starts empty (StoreDatabase, OpenRecovery); a full disk at open is made room on; faults
   *   of the directory or settings still fail start-up.
   * - No stale copy written back: every mutation of a key runs under its KeyStripes lock and bumps the
   *   stripe's version; a read notes the version first (HitReads) and Reinserter writes back only if it
   *   is unchanged under the lock.
   * - No corrupt byte served: HitReads and MemoryReads return only what ValueCodec verified;
   *   Verification tells a chunk of a replaced or evicted version (a miss) from corruption.
   * - Crash safety: one RocksDB write (or WriteBatch) per value (ValueWriter), WAL replay at open
   *   (StoreDatabase; ShardStoreCrashTest kills a writer JVM).
   * - Threads: RocksDB calls that may read a file run only on StoreThreads (bounded queue, refused
   *   when full); MemoryReads reads memory only, under a StampedLock that close() takes exclusively.
   * - Closing: close() shuts caller-thread reads out, lets the pool finish every accepted call, and
   *   only then closes StoreDatabase; a call still running after CLOSE_WAIT_SECONDS leaves RocksDB open
   *   (closing it under a native call would crash the JVM).
   */

  private static final Logger log = LoggerFactory.getLogger(ShardStore.class);
  private static final long CLOSE_WAIT_SECONDS = 60;

  /** Sizes the frequency sketch and the size hints: the expected object count is bytes / this. */
  private static final long MEAN_OBJECT_BYTES = 60 * 1024;

  /** {@link #recoveredAtOpen()} when RocksDB could not open the files: they were moved aside. */
  public static final String RECOVERED_UNREADABLE = "unreadable";

  /** {@link #recoveredAtOpen()} when the disk was too full to open: the files were deleted. */
  public static final String RECOVERED_NO_SPACE = "no-space";

  /** Bodies longer than this are stored in chunks of this size (ValueCodec version 2). */
  static final int CHUNK_BYTES = 1 << 20;

  private final StoreDatabase database;
  private final StoreBudget budget;
  private final StoreCounters counters = new StoreCounters();
  private final SizeHints sizeHints;
  private final StoreThreads threads;
  private final Verification verification;
  private final ValueWriter writer;
  private final HitReads hitReads;
  private final MemoryReads memoryReads;
  private final StoreDeletes deletes;
  private final StoreSpace space;
  private final AtomicBoolean closed = new AtomicBoolean();

  private ShardStore(StoreDatabase database, @Nullable HotSetPolicy policy) {
    StoreBudget budget = database.budget();
    StoreConfig config = database.config();
    long expectedObjects = Math.max(16, budget.tableFilesBytes() / MEAN_OBJECT_BYTES);
    HotSetPolicy hotSet =
        policy != null
            ? policy
            : new HotSetPolicy(
                expectedObjects,
                HotSetPolicy.REINSERT_ZONE,
                HotSetPolicy.REINSERT_MIN_FREQUENCY,
                config.admitMinRequests());
    KeyStripes stripes = new KeyStripes();
    ReadBuffers buffers = new ReadBuffers();
    this.database = database;
    this.budget = budget;
    this.sizeHints = new SizeHints(expectedObjects);
    this.threads = new StoreThreads(config.threads(), config.queueCapacity(), config.directory());
    this.space = new StoreSpace(database);
    this.verification = new Verification(database, stripes, sizeHints, counters);
    this.writer =
        new ValueWriter(database, budget, threads, stripes, hotSet, sizeHints, counters, space);
    Reinserter reinserter =
        new Reinserter(database, budget, hotSet, stripes, writer, verification, counters);
    this.hitReads =
        new HitReads(
            database,
            threads,
            stripes,
            hotSet,
            sizeHints,
            buffers,
            reinserter,
            verification,
            counters);
    this.memoryReads = new MemoryReads(database, hotSet, sizeHints, buffers, reinserter, counters);
    this.deletes = new StoreDeletes(database, threads, stripes, space);
    space.start();
  }

  /**
   * Opens (or creates) the store in {@code config.directory()} with the default layout, {@link
   * StoreLayout#TABLE_FILES}. A store whose files RocksDB cannot open is moved aside and one whose
   * disk is too full to open is emptied: it starts empty then ({@link #recoveredAtOpen()}).
   *
   * @throws IOException if the directory cannot be created or used, or RocksDB cannot open it for a
   *     reason other than its files (the LOCK held, permissions, a read-only filesystem)
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
  static ShardStore open(StoreConfig config, StoreLayout layout, @Nullable HotSetPolicy policy)
      throws IOException {
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(layout, "layout");
    StoreDatabase database = StoreDatabase.open(config, layout);
    try {
      return new ShardStore(database, policy);
    } catch (RuntimeException e) {
      database.close();
      throw new IOException(
          "cannot open shard store in " + config.directory() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Whether a body of {@code bodyLength} bytes is stored in chunks (found as a {@link
   * ChunkedBody}).
   */
  public static boolean storesInChunks(int bodyLength) {
    return bodyLength > CHUNK_BYTES;
  }

  /**
   * Looks {@code key} up on the store's threads. A body of 1 MiB or less is copied from RocksDB
   * straight into a buffer from {@code allocate} (give it direct memory, e.g. a pooled Netty
   * buffer's {@code nioBuffer(0, n)}), so it never lands on the Java heap: the result is then a
   * {@link DirectObject} whose body is a read-only slice of that buffer, verified. {@code allocate}
   * is called with the number of bytes needed (the value with its header), at most twice; each
   * buffer it returned that does not end up in the result (a retry after a concurrent replace, a
   * checksum failure, an error) is handed to {@code release}.
   *
   * <p>A body stored in chunks (over 1 MiB) is not read: the result is then a {@link ChunkedBody},
   * whose chunks {@link #readChunk} reads one at a time, so a response can read the next chunk only
   * when its client has taken the last (a 15 MB picture sent to a slow client holds a chunk or two
   * of memory, not 15 MB); {@code allocate} is not called.
   *
   * <p>A value that fails verification is logged, counted, deleted and answered as empty (a miss).
   * A hit close to the eviction horizon may rewrite the object ({@link StoreStats#reinsertions()}).
   */
  public CompletableFuture<Optional<StoreHit>> find(
      String key, IntFunction<ByteBuffer> allocate, Consumer<ByteBuffer> release) {
    return hitReads.find(key, allocate, release);
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
    return hitReads.readChunk(body, index, allocate, release);
  }

  /**
   * Answers {@code key} from memory alone (RocksDB's memtables and block cache) on the caller's
   * thread, into a buffer from {@code allocate} as {@link #find} does. Empty when that is not
   * possible without reading a file, and also for a miss, a chunked body (over 1 MiB), a value that
   * fails verification and an object due for re-insertion: call {@link #find} then, which handles
   * each (and counts it). Never reads or writes a file, so an event loop may call it. Only a
   * returned object counts (as a hit and a request for the key).
   */
  public Optional<DirectObject> getCached(
      String key, IntFunction<ByteBuffer> allocate, Consumer<ByteBuffer> release) {
    return memoryReads.find(key, allocate, release);
  }

  /**
   * Stores {@code value} under {@code key}, replacing what was there, whatever the admission policy
   * says. A value whose encoding exceeds {@link #maxValueBytes()} is not stored (the future still
   * completes normally), nor one that could take the directory over maxBytes while RocksDB's
   * background work lags ({@link StoreStats#boundRefusals()}).
   */
  public CompletableFuture<Void> put(String key, StoredObject value) {
    return writer.put(key, value);
  }

  /**
   * Stores {@code value} under {@code key} if the admission policy lets it in: the key must have
   * been asked for ({@link #find} or {@link #getCached}) at least {@link
   * StoreConfig#admitMinRequests()} times recently (default 4), so objects requested once do not
   * wear the SSD. The future tells whether the value was written (false also for a value over
   * {@link #maxValueBytes()} or one the byte bound's guard refuses). This is what the fill path
   * after a miss should call.
   */
  public CompletableFuture<Boolean> offer(String key, StoredObject value) {
    return writer.offer(key, value);
  }

  /** Removes {@code key}; the future tells whether it was there. */
  public CompletableFuture<Boolean> delete(String key) {
    return deletes.delete(key);
  }

  /**
   * Deletes every object whose key starts with {@code prefix} (e.g. all cached variants of one
   * original, which the shard keys by object key first). Walks only that key range; returns how
   * many were deleted.
   */
  public CompletableFuture<Integer> deletePrefix(String prefix) {
    return deletes.deletePrefix(prefix);
  }

  /** Bytes of every file under the store's directory (tables, blobs, WAL, MANIFEST, logs, ...). */
  public long diskUsageBytes() {
    return database.diskUsageBytes();
  }

  /**
   * The store's bound now: the lower of {@link StoreConfig#maxBytes()} of data plus the headroom
   * above it (StoreBudget.forData) and what its filesystem can give (the store's bytes plus the
   * free space, less {@link StoreConfig#diskReserveBytes()}), measured every second.
   */
  public long boundBytes() {
    return space.boundBytes();
  }

  /**
   * Whether the store can write now: its bound leaves room for at least one memtable, and RocksDB
   * is not refusing writes (after ENOSPC until it recovers). When false, hits are still served and
   * fills are passed on without being stored; the shard's readiness says so.
   */
  public boolean writable() {
    return space.writable();
  }

  /**
   * How this store was recovered at open, if it was: {@link #RECOVERED_UNREADABLE} (RocksDB could
   * not open its files: they were moved aside) or {@link #RECOVERED_NO_SPACE} (its disk was too
   * full to open it: its files were deleted). It started empty then.
   */
  public Optional<String> recoveredAtOpen() {
    return Optional.ofNullable(database.recovery());
  }

  /** A snapshot of the store's counters. */
  public StoreStats stats() {
    long objects = 0;
    long bytes = 0;
    long diskBytesWritten = 0;
    if (!closed.get()) {
      try {
        objects = database.estimatedKeys();
        bytes = database.dataFileBytes() + database.memtableBytes();
      } catch (RocksDBException e) {
        log.warn("cannot read RocksDB properties: {}", e.getMessage());
      }
      diskBytesWritten = database.diskBytesWritten();
    }
    return new StoreStats(
        objects,
        bytes,
        counters.hits.sum(),
        counters.memoryHits.sum(),
        counters.misses.sum(),
        counters.puts.sum(),
        database.evictedObjects(),
        counters.checksumFailures.sum(),
        counters.reinsertions.sum(),
        counters.admissionRejections.sum(),
        counters.bytesAdmitted.sum(),
        diskBytesWritten,
        counters.boundRefusals.sum());
  }

  /**
   * Largest encoded value (header + body) this store admits; larger ones are skipped by {@link
   * #put}.
   */
  public long maxValueBytes() {
    return budget.maxValueBytes();
  }

  /**
   * The configuration this store was opened with, as settled at open: the read mode is never {@link
   * ReadMode#AUTO} and the block cache never {@link StoreConfig#DEFAULT_BLOCK_CACHE}.
   */
  public StoreConfig config() {
    return database.config();
  }

  /** The value layout this store was opened with. */
  public StoreLayout layout() {
    return database.layout();
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
    memoryReads.close();
    space.close();
    if (!threads.shutDownAndWait(CLOSE_WAIT_SECONDS)) {
      // Closing the DB under a running native call would crash the JVM; leaking is the lesser harm.
      log.error(
          "shard store {}: calls still running after {} s; RocksDB left open",
          database.config().directory(),
          CLOSE_WAIT_SECONDS);
      return;
    }
    database.close();
    log.info("closed shard store {}", database.config().directory());
  }

  // For tests and offline checks, in this package.

  /** Runs {@code task} on the store's pool, so tests can occupy it. */
  <T> CompletableFuture<T> submit(Callable<T> task) {
    return threads.submit(task);
  }

  /**
   * Writes raw bytes as a value, bypassing the encoder and the key checks, to corrupt a stored
   * value. The key is taken as ISO-8859-1, one byte per char, so chunk keys can be named.
   */
  void putRaw(String key, byte[] value) throws RocksDBException {
    database.write(w -> database.db.put(w, key.getBytes(StandardCharsets.ISO_8859_1), value));
  }

  /** The decoded header stored under {@code key}. */
  ValueCodec.Header header(String key) throws RocksDBException, ValueCodec.CorruptValueException {
    byte[] value = database.db.get(database.checkedReads, StoreKeys.encode(key));
    return ValueCodec.decodeHeader(value, value.length);
  }

  /** The size hint held for {@code key} (0: none). */
  int sizeHint(String key) {
    return sizeHints.get(FrequencySketch.hash(StoreKeys.encode(key)));
  }

  /** Data blocks RocksDB had to read from a file (not in the block cache) so far. */
  long blockCacheDataMisses() {
    return database.blockCacheDataMisses();
  }

  /** Forces the memtable to a table file. */
  void flush() throws RocksDBException {
    database.flush();
  }

  /** Whether RocksDB refuses writes (its background error) as far as the store knows. */
  boolean rocksDbFailing() {
    return space.failing();
  }

  /** Reads and verifies every stored value, on the caller's thread. */
  Verification.ScanResult verifyAll() {
    return verification.scan();
  }
}
