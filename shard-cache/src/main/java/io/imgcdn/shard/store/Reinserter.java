package io.imgcdn.shard.store;

import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;
import org.rocksdb.RocksDBException;

/**
 * Eviction and re-insertion: FIFO drops the oldest table files; a hit object close to that horizon
 * and asked for often enough ({@link HotSetPolicy}) is written again at the head of the log.
 */
final class Reinserter {

  /*
   * Eviction is RocksDB's FIFO compaction (StoreDatabase), age-only. EvictionHorizon tells how many
   * table bytes lie before a value's write sequence; it is rebuilt from RocksDB's table-file metadata
   * (held in memory) whenever a flush or a FIFO drop changed the set of files. HotSetPolicy decides from
   * that distance and the key's recent frequency.
   *
   * A re-insertion writes back the copy a read just verified, under the next write sequence. It races
   * with put and delete of the same key on other store threads: the reader noted its stripe's version
   * before reading (KeyStripes), and the copy is written only if that version is unchanged once the
   * stripe's lock is held, so a stale copy never overwrites a newer value or resurrects a deleted one.
   * The byte bound's guard admits each re-insertion like any write (ValueWriter).
   */

  private final StoreDatabase database;
  private final StoreBudget budget;
  private final HotSetPolicy policy;
  private final KeyStripes stripes;
  private final ValueWriter writer;
  private final Verification verification;
  private final StoreCounters counters;
  private volatile EvictionHorizon horizon = EvictionHorizon.EMPTY;

  Reinserter(
      StoreDatabase database,
      StoreBudget budget,
      HotSetPolicy policy,
      KeyStripes stripes,
      ValueWriter writer,
      Verification verification,
      StoreCounters counters) {
    this.database = database;
    this.budget = budget;
    this.policy = policy;
    this.stripes = stripes;
    this.writer = writer;
    this.verification = verification;
    this.counters = counters;
  }

  /**
   * Whether a hit on this copy should write it again: it lies close to the eviction horizon and its
   * key was asked for often enough. Reads only metadata RocksDB holds in memory.
   */
  boolean isDue(long keyHash, ValueCodec.Header header) throws RocksDBException {
    EvictionHorizon current = horizon();
    // Table bytes that can still be written before this copy is dropped.
    long capacity = budget.tableFilesBytes();
    long bytesOlder = current.bytesOlderThan(header.writeSequence());
    long distance = bytesOlder + Math.max(0, capacity - current.totalBytes());
    return policy.shouldReinsert(keyHash, distance, capacity);
  }

  /**
   * Re-inserts an inline value just read into {@code value} (under {@code key}, in a direct buffer)
   * if it is due, the guard admits it and nothing wrote the key since {@code version}.
   */
  void reinsertInlineIfDue(
      ByteBuffer key,
      byte[] keyBytes,
      long keyHash,
      long version,
      ValueCodec.Header header,
      ByteBuffer value)
      throws RocksDBException {
    if (isDue(keyHash, header) && writer.admitReinsertion(keyBytes, header, value.remaining())) {
      reinsertIfUnchanged(
          keyHash, version, sequence -> writer.rewriteInline(key, value, header, sequence));
    }
  }

  /**
   * Re-inserts a chunked object if it is due (as {@link #reinsertInlineIfDue} does for an inline
   * one): its chunks are read onto the heap, on this store thread, and written again under a new
   * write sequence. Returns the header its chunks now carry (the given one when nothing was
   * written). Memory: one body per store thread at most.
   */
  ValueCodec.Header reinsertChunkedIfDue(
      byte[] keyBytes, long keyHash, long version, ValueCodec.Header header)
      throws RocksDBException, ValueCodec.CorruptValueException {
    // A fillable body is never here whole to be written again: its chunks are filled anew.
    if (header.fillable()
        || !isDue(keyHash, header)
        || !writer.admitReinsertion(keyBytes, header, 0)) {
      return header;
    }
    StoredObject object =
        new StoredObject(
            header.contentType(),
            header.etag(),
            header.lastModified(),
            header.cacheControl(),
            header.storedAtMillis(),
            verification.readChunks(keyBytes, header));
    Long sequence =
        reinsertIfUnchanged(keyHash, version, next -> writer.writeChunked(keyBytes, object, next));
    // Replaced or deleted meanwhile (no re-insertion): the reader finds out chunk by chunk.
    return sequence == null ? header : header.withWriteSequence(sequence);
  }

  /** Writes a copy under the write sequence it is given. */
  private interface Rewrite {
    void write(long sequence) throws RocksDBException;
  }

  /**
   * Re-inserts under the key's stripe lock, with the next write sequence, if nothing has written
   * the stripe since {@code version}; returns the sequence written, or null when the stripe
   * changed.
   */
  private @Nullable Long reinsertIfUnchanged(long keyHash, long version, Rewrite rewrite)
      throws RocksDBException {
    Long sequence =
        stripes.mutateIfUnchanged(
            keyHash,
            version,
            () -> {
              long next = database.db.getLatestSequenceNumber() + 1;
              rewrite.write(next);
              return next;
            });
    if (sequence != null) {
      counters.reinsertions.increment();
    }
    return sequence;
  }

  private EvictionHorizon horizon() throws RocksDBException {
    if (database.tableFilesChanged()) {
      EvictionHorizon fresh = EvictionHorizon.of(database.db.getLiveFilesMetaData());
      if (database.layout() == StoreLayout.BLOB_FILES && fresh.totalBytes() > 0) {
        // Table files hold only keys and blob references; scale their sizes up to the data they
        // stand for.
        fresh = fresh.scaledTo(database.dataFileBytes());
      }
      horizon = fresh;
    }
    return horizon;
  }
}
