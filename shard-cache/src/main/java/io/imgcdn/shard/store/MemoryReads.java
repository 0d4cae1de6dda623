package io.imgcdn.shard.store;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.rocksdb.KeyMayExist;
import org.rocksdb.RocksDBException;

/**
 * The caller-thread read: a hit answered from memory alone (RocksDB's memtables and block cache) on
 * the caller's thread, so an event loop can serve it without a hop to the store's threads.
 */
final class MemoryReads {

  /*
   * KeyMayExist reads with ReadTier.BLOCK_CACHE_TIER: where a get would read a table file it stops and
   * says "may exist, value not found" (a get with that tier does the same but reports it as an
   * Incomplete status, i.e. a RocksDBException with a stack trace per probe: measured at several % of
   * the CPU of a hit). Bloom filters and indexes live in the open table readers (not in the block
   * cache), so a lookup that can be answered needs no I/O at all. With a size hint (SizeHints) the
   * value goes straight into the caller's buffer; without one (or without a block cache, where memory
   * rarely has it and a leased buffer would mostly go back unused) to this thread's scratch buffer
   * first, then once into the caller's buffer.
   *
   * Closing: these reads run RocksDB outside the store's threads, so close() cannot wait for them by
   * draining the pool. Each holds `inFlight` shared; close() takes it exclusively (waiting for the
   * reads in progress) and never gives it back, so every later read answers empty without touching
   * RocksDB.
   */

  private final StoreDatabase database;
  private final HotSetPolicy policy;
  private final SizeHints sizeHints;
  private final ReadBuffers buffers;
  private final Reinserter reinserter;
  private final StoreCounters counters;
  private final boolean hintsIntoCallerBuffer;
  private final StampedLock inFlight = new StampedLock();

  MemoryReads(
      StoreDatabase database,
      HotSetPolicy policy,
      SizeHints sizeHints,
      ReadBuffers buffers,
      Reinserter reinserter,
      StoreCounters counters) {
    this.database = database;
    this.policy = policy;
    this.sizeHints = sizeHints;
    this.buffers = buffers;
    this.reinserter = reinserter;
    this.counters = counters;
    this.hintsIntoCallerBuffer = database.config().effectiveBlockCacheBytes() > 0;
  }

  /** See {@link ShardStore#getCached}. */
  Optional<DirectObject> find(
      String key, IntFunction<ByteBuffer> allocate, Consumer<ByteBuffer> release) {
    byte[] keyBytes = StoreKeys.encode(key);
    Objects.requireNonNull(allocate, "allocate");
    Objects.requireNonNull(release, "release");
    long stamp = inFlight.tryReadLock();
    if (stamp == 0L) {
      return Optional.empty(); // closed or closing
    }
    try {
      return read(keyBytes, allocate, release);
    } catch (RocksDBException | ValueCodec.CorruptValueException e) {
      return Optional.empty(); // Incomplete (not in memory), or a problem the pool's read reports
    } finally {
      inFlight.unlockRead(stamp);
    }
  }

  /** Waits for the reads in progress; every later one answers empty. Before RocksDB closes. */
  void close() {
    inFlight.writeLock();
  }

  private Optional<DirectObject> read(
      byte[] keyBytes, IntFunction<ByteBuffer> allocate, Consumer<ByteBuffer> release)
      throws RocksDBException, ValueCodec.CorruptValueException {
    long keyHash = FrequencySketch.hash(keyBytes);
    int hint = hintsIntoCallerBuffer ? sizeHints.get(keyHash) : 0;
    ByteBuffer owned = hint > 0 ? ReadBuffers.allocateExactly(allocate, release, hint) : null;
    try {
      ByteBuffer read = owned != null ? owned : buffers.scratch();
      KeyMayExist found =
          database.db.keyMayExist(
              database.memoryOnly, buffers.directKey(keyBytes), read.duplicate());
      int size = found.valueLength;
      if (found.exists != KeyMayExist.KeyMayExistEnum.kExistsWithValue
          || (owned != null ? size != hint : size > read.capacity())) {
        return Optional.empty(); // not in memory, or another size than hinted: the pool reads it
      }
      read = read.duplicate().clear().limit(size);
      ValueCodec.Header header = ValueCodec.decodeHeader(read);
      // (isDue may refresh the eviction horizon: table-file metadata RocksDB holds in memory.)
      if (header.chunked() || reinserter.isDue(keyHash, header)) {
        return Optional.empty();
      }
      if (owned == null) {
        owned = ReadBuffers.allocateExactly(allocate, release, size);
        owned.put(owned.position(), read, 0, size);
        sizeHints.put(keyHash, size);
      }
      DirectObject object = ValueCodec.decode(owned, header);
      owned = null; // the caller's now
      policy.recordAccess(keyHash);
      counters.hits.increment();
      counters.memoryHits.increment();
      return Optional.of(object);
    } finally {
      if (owned != null) {
        release.accept(owned);
      }
    }
  }
}
