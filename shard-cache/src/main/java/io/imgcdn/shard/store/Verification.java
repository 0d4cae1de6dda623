package io.imgcdn.shard.store;

import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a read does with a value that fails verification, verified reads of a chunked body onto the
 * heap, and the scan that verifies every stored value.
 */
final class Verification {

  /*
   * Every byte a hit serves is verified by ValueCodec (header CRC32C, body or chunk CRC32C, lengths);
   * RocksDB reports a corrupt block of its own (checked reads) as a Corruption status. A value that
   * fails is logged, counted (checksumFailures), deleted and answered as a miss; it is never served.
   *
   * One failure is not corruption: a chunk of another version than the header a reader holds, because
   * FIFO dropped the header's table file (header and chunks go together) or a put or re-insertion
   * replaced the object between the reads. The header is read again: gone or of another write sequence
   * means the chunk is stale, a miss; the same header still there means its chunk cannot have been
   * dropped or rewritten, so the mismatch is corruption.
   */

  private static final Logger log = LoggerFactory.getLogger(Verification.class);

  private final StoreDatabase database;
  private final KeyStripes stripes;
  private final SizeHints sizeHints;
  private final StoreCounters counters;

  Verification(
      StoreDatabase database, KeyStripes stripes, SizeHints sizeHints, StoreCounters counters) {
    this.database = database;
    this.stripes = stripes;
    this.sizeHints = sizeHints;
    this.counters = counters;
  }

  /** What a full scan of the store found. */
  record ScanResult(long intact, long corrupt) {}

  /**
   * Answers a value that failed verification: a miss if it is a stale chunk ({@link #stale}), else
   * {@link #dropCorrupt}.
   */
  void missOrDrop(String key, byte[] keyBytes, long keyHash, ValueCodec.CorruptValueException e)
      throws RocksDBException {
    if (stale(keyBytes, e)) {
      counters.misses.increment();
      return;
    }
    dropCorrupt(key, keyBytes, keyHash, e.reason());
  }

  /**
   * Drops the key if RocksDB reported corruption ({@link #dropCorrupt}); false for any other
   * failure, which the caller passes on.
   */
  boolean dropIfCorruption(String key, byte[] keyBytes, long keyHash, RocksDBException e)
      throws RocksDBException {
    if (!isCorruption(e)) {
      return false;
    }
    dropCorrupt(key, keyBytes, keyHash, "RocksDB: " + e.getMessage());
    return true;
  }

  static boolean isCorruption(RocksDBException e) {
    Status status = e.getStatus();
    return status != null && status.getCode() == Status.Code.Corruption;
  }

  /** Logs, counts (as a checksum failure and a miss) and deletes a corrupt value. */
  void dropCorrupt(String key, byte[] keyBytes, long keyHash, String reason)
      throws RocksDBException {
    sizeHints.remove(keyHash);
    counters.checksumFailures.increment();
    counters.misses.increment();
    log.warn(
        "shard store {}: corrupt value for key {} deleted ({})",
        database.config().directory(),
        LogSafe.key(key),
        reason);
    stripes.<@Nullable Void>mutate(
        keyHash,
        () -> {
          database.write(w -> database.db.delete(w, keyBytes));
          return null;
        });
  }

  /**
   * Whether {@code e} is a chunk of another version than its header's, because the header changed
   * since.
   */
  boolean stale(byte[] keyBytes, ValueCodec.CorruptValueException e) throws RocksDBException {
    return e instanceof ValueCodec.ChunkMismatchException mismatch
        && evictedOrReplaced(keyBytes, mismatch.writeSequence());
  }

  /** Reads and verifies every chunk of a chunked body onto the heap. */
  byte[] readChunks(byte[] keyBytes, ValueCodec.Header header)
      throws RocksDBException, ValueCodec.CorruptValueException {
    byte[] body = new byte[header.bodyLength()];
    for (int i = 0; i < header.chunkCount(); i++) {
      byte[] chunk = database.db.get(database.hitReads, StoreKeys.chunkKey(keyBytes, i));
      if (chunk == null) {
        throw new ValueCodec.MissingChunkException(header, i);
      }
      ValueCodec.verifyChunk(chunk, header, i);
      System.arraycopy(
          chunk,
          ValueCodec.CHUNK_PREFIX_BYTES,
          body,
          i * header.chunkBytes(),
          header.chunkLength(i));
    }
    return body;
  }

  /**
   * Verifies the chunks of a fillable body that are filled; absent ones and leftovers of an older
   * copy are skipped.
   */
  private void verifyFilledChunks(byte[] keyBytes, ValueCodec.Header header)
      throws RocksDBException, ValueCodec.CorruptValueException {
    for (int i = 0; i < header.chunkCount(); i++) {
      byte[] chunk = database.db.get(database.hitReads, StoreKeys.chunkKey(keyBytes, i));
      if (chunk == null) {
        continue;
      }
      boolean leftover =
          chunk.length >= 8 && java.nio.ByteBuffer.wrap(chunk).getLong(0) != header.writeSequence();
      if (!leftover) { // a leftover of an older copy is refilled when asked for
        ValueCodec.verifyChunk(chunk, header, i);
      }
    }
  }

  /**
   * Reads and verifies every stored value on the caller's thread, deleting nothing; for tests and
   * offline checks.
   */
  ScanResult scan() {
    long intact = 0;
    long corrupt = 0;
    try (RocksIterator it = database.db.newIterator(database.checkedReads)) {
      for (it.seekToFirst(); it.isValid(); it.next()) {
        byte[] key = it.key();
        if (StoreKeys.isChunkKey(key)) {
          continue; // verified with its header
        }
        try {
          byte[] value = it.value();
          ValueCodec.Header header = ValueCodec.decodeHeader(value, value.length);
          if (header.fillable()) {
            verifyFilledChunks(key, header);
          } else if (header.chunked()) {
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
          logScanFailure(key, e);
          corrupt++;
        } catch (ValueCodec.CorruptValueException | RocksDBException e) {
          logScanFailure(key, e);
          corrupt++;
        }
      }
    }
    return new ScanResult(intact, corrupt);
  }

  private void logScanFailure(byte[] key, Exception e) {
    log.warn(
        "shard store {}: key {} fails verification: {}",
        database.config().directory(),
        LogSafe.key(new String(key, StandardCharsets.UTF_8)),
        e.getMessage());
  }

  /**
   * Whether the header of {@code writeSequence}, whose chunk was missing or of another write, is
   * gone or rewritten now (see the design note above).
   */
  private boolean evictedOrReplaced(byte[] keyBytes, long writeSequence) throws RocksDBException {
    byte[] value = database.db.get(database.checkedReads, keyBytes);
    if (value == null) {
      return true;
    }
    try {
      return ValueCodec.decodeHeader(value, value.length).writeSequence() != writeSequence;
    } catch (ValueCodec.CorruptValueException corrupt) {
      return false;
    }
  }
}
