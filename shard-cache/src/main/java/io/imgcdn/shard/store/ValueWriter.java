package io.imgcdn.shard.store;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/**
 * Fills and writes: {@code put} and {@code offer}, a body over {@link ShardStore#CHUNK_BYTES} in
 * chunks, and the byte bound's guard in front of every write (re-insertions included).
 */
final class ValueWriter {

  /*
   * Crash safety: a value is one RocksDB write, a chunked one (header and every chunk) one WriteBatch;
   * RocksDB's WAL replay keeps a write whole or drops it (StoreDatabase).
   *
   * Byte bound: StoreSpace's DiskGuard refuses a write that could cross the store's bound (the lower of
   * maxBytes and what the filesystem can give) if RocksDB's background work lags (the hard guarantee;
   * StoreDatabase's FIFO settings keep the directory under the bound in normal operation, where the
   * guard never triggers), and every write while the bound leaves no room for one memtable. Values
   * larger than StoreBudget.maxValueBytes are not stored at all. A write RocksDB refuses (its
   * background error after ENOSPC) is reported to StoreSpace, which tells readiness.
   *
   * Every write takes the next RocksDB sequence number as its write sequence (ValueCodec keeps it in
   * the header and in each chunk) under the key's stripe lock (KeyStripes), so a chunk read later can
   * be matched to its header, and the eviction horizon can place the copy.
   */

  private final StoreDatabase database;
  private final StoreBudget budget;
  private final StoreThreads threads;
  private final KeyStripes stripes;
  private final HotSetPolicy policy;
  private final SizeHints sizeHints;
  private final StoreCounters counters;
  private final StoreSpace space;

  ValueWriter(
      StoreDatabase database,
      StoreBudget budget,
      StoreThreads threads,
      KeyStripes stripes,
      HotSetPolicy policy,
      SizeHints sizeHints,
      StoreCounters counters,
      StoreSpace space) {
    this.database = database;
    this.budget = budget;
    this.threads = threads;
    this.stripes = stripes;
    this.policy = policy;
    this.sizeHints = sizeHints;
    this.counters = counters;
    this.space = space;
  }

  /** See {@link ShardStore#put}. */
  CompletableFuture<Void> put(String key, StoredObject value) {
    byte[] keyBytes = StoreKeys.encode(key);
    Objects.requireNonNull(value, "value");
    if (ValueCodec.encodedLength(value) > budget.maxValueBytes()) {
      return CompletableFuture.completedFuture(null);
    }
    return threads.submit(
        () -> {
          write(keyBytes, FrequencySketch.hash(keyBytes), value);
          return null;
        });
  }

  /** See {@link ShardStore#offer}. */
  CompletableFuture<Boolean> offer(String key, StoredObject value) {
    byte[] keyBytes = StoreKeys.encode(key);
    Objects.requireNonNull(value, "value");
    if (ValueCodec.encodedLength(value) > budget.maxValueBytes()) {
      return CompletableFuture.completedFuture(false);
    }
    long keyHash = FrequencySketch.hash(keyBytes);
    if (!policy.shouldAdmit(keyHash)) {
      counters.admissionRejections.increment();
      return CompletableFuture.completedFuture(false);
    }
    return threads.submit(() -> write(keyBytes, keyHash, value));
  }

  /**
   * Whether the guard lets a re-insertion of the copy just read go ahead ({@code valueLength}: the
   * inline value's bytes; unused for a chunked one); counts a refusal.
   */
  boolean admitReinsertion(byte[] keyBytes, ValueCodec.Header header, int valueLength) {
    long encoded =
        header.chunked() ? header.headerLength() + (long) header.bodyLength() : valueLength;
    if (space.tryAdmit(storedLength(keyBytes, header.bodyLength(), encoded))) {
      return true;
    }
    counters.boundRefusals.increment();
    return false;
  }

  /**
   * Writes an inline value read earlier (in {@code value}, with its {@code header}) again under
   * write sequence {@code sequence}; the caller holds the key's stripe lock.
   */
  void rewriteInline(ByteBuffer key, ByteBuffer value, ValueCodec.Header header, long sequence)
      throws RocksDBException {
    ValueCodec.setWriteSequence(value, header, sequence);
    try {
      database.write(w -> database.db.put(w, key.duplicate(), value.duplicate()));
    } catch (RocksDBException e) {
      space.failed(e);
      throw e;
    }
  }

  /**
   * Writes a chunked header and its chunks in one batch; returns the bytes written. The caller
   * holds the key's stripe lock.
   */
  long writeChunked(byte[] keyBytes, StoredObject value, long sequence) throws RocksDBException {
    byte[] header = ValueCodec.encodeChunkedHeader(value, sequence, ShardStore.CHUNK_BYTES);
    long written = header.length;
    try (WriteBatch batch = new WriteBatch()) {
      batch.put(keyBytes, header);
      byte[] body = value.body();
      for (int i = 0, offset = 0; offset < body.length; i++, offset += ShardStore.CHUNK_BYTES) {
        byte[] chunk =
            ValueCodec.encodeChunk(
                body, offset, Math.min(ShardStore.CHUNK_BYTES, body.length - offset), sequence);
        batch.put(StoreKeys.chunkKey(keyBytes, i), chunk);
        written += chunk.length;
      }
      database.write(w -> database.db.write(w, batch));
    } catch (RocksDBException e) {
      space.failed(e);
      throw e;
    }
    return written;
  }

  /** See {@link ShardStore#putFillable}; completes with the header written, or null. */
  CompletableFuture<ValueCodec.@Nullable Header> putFillable(
      String key, StoredObject head, int bodyLength, int chunkBytes) {
    byte[] keyBytes = StoreKeys.encode(key);
    long keyHash = FrequencySketch.hash(keyBytes);
    return threads.<ValueCodec.@Nullable Header>submit(
        () -> {
          long room = ValueCodec.encodedLength(head) + 4 + keyBytes.length;
          if (!space.tryAdmit(room)) {
            counters.boundRefusals.increment();
            return null;
          }
          byte[] written =
              stripes.mutate(
                  keyHash,
                  () -> {
                    long sequence = database.db.getLatestSequenceNumber() + 1;
                    byte[] header =
                        ValueCodec.encodeFillableHeader(head, sequence, chunkBytes, bodyLength);
                    write(w -> database.db.put(w, keyBytes, header));
                    return header;
                  });
          sizeHints.remove(keyHash); // hints are kept for inline values only
          space.succeeded();
          counters.puts.increment();
          counters.bytesAdmitted.add(written.length);
          return ValueCodec.decodeHeader(written, written.length);
        });
  }

  /** See {@link ShardStore#putChunk}. */
  CompletableFuture<Boolean> putChunk(ChunkedBody body, int index, byte[] data, int offset) {
    byte[] keyBytes = body.keyBytes();
    long keyHash = FrequencySketch.hash(keyBytes);
    ValueCodec.Header header = body.header();
    int length = header.chunkLength(index);
    Objects.checkFromIndexSize(offset, length, data.length);
    return threads.submit(
        () -> {
          byte[] chunk = ValueCodec.encodeChunk(data, offset, length, header.writeSequence());
          if (!space.tryAdmit(chunk.length + keyBytes.length + StoreKeys.CHUNK_SUFFIX_BYTES)) {
            counters.boundRefusals.increment();
            return false;
          }
          boolean written =
              stripes.mutate(
                  keyHash,
                  () -> {
                    // Only while its header is the one stored: never a chunk of a replaced copy.
                    byte[] current = database.db.get(database.checkedReads, keyBytes);
                    if (current == null || sequenceOf(current) != header.writeSequence()) {
                      return false;
                    }
                    write(w -> database.db.put(w, StoreKeys.chunkKey(keyBytes, index), chunk));
                    return true;
                  });
          if (written) {
            space.succeeded();
            counters.bytesAdmitted.add(chunk.length);
          }
          return written;
        });
  }

  /** The write sequence of a stored header, -1 when it does not decode. */
  private static long sequenceOf(byte[] value) {
    try {
      return ValueCodec.decodeHeader(value, value.length).writeSequence();
    } catch (ValueCodec.CorruptValueException e) {
      return -1;
    }
  }

  /** One RocksDB write, a refusal reported to StoreSpace. */
  private void write(StoreDatabase.WriteCall write) throws RocksDBException {
    try {
      database.write(write);
    } catch (RocksDBException e) {
      space.failed(e);
      throw e;
    }
  }

  /** Writes a value unless the disk guard refuses it; true if written. */
  private boolean write(byte[] keyBytes, long keyHash, StoredObject value) throws RocksDBException {
    if (!space.tryAdmit(
        storedLength(keyBytes, value.body().length, ValueCodec.encodedLength(value)))) {
      counters.boundRefusals.increment();
      return false;
    }
    boolean chunked = ShardStore.storesInChunks(value.body().length);
    long written =
        stripes.mutate(
            keyHash,
            () -> {
              long sequence = database.db.getLatestSequenceNumber() + 1;
              if (chunked) {
                long chunkedBytes = writeChunked(keyBytes, value, sequence);
                sizeHints.remove(keyHash); // hints are kept for inline values only
                return chunkedBytes;
              }
              byte[] encoded = ValueCodec.encode(value, sequence);
              try {
                database.write(w -> database.db.put(w, keyBytes, encoded));
              } catch (RocksDBException e) {
                space.failed(e);
                throw e;
              }
              sizeHints.put(keyHash, encoded.length);
              return (long) encoded.length;
            });
    space.succeeded();
    counters.puts.increment();
    counters.bytesAdmitted.add(written);
    return true;
  }

  /**
   * Bytes a write adds to the WAL and later to a table file: keys and values, chunk keys included.
   */
  private static long storedLength(byte[] keyBytes, int bodyLength, long encodedLength) {
    int chunks =
        ShardStore.storesInChunks(bodyLength)
            ? (bodyLength + ShardStore.CHUNK_BYTES - 1) / ShardStore.CHUNK_BYTES
            : 0;
    return encodedLength
        + keyBytes.length
        + (long) chunks
            * (keyBytes.length + StoreKeys.CHUNK_SUFFIX_BYTES + ValueCodec.CHUNK_PREFIX_BYTES + 4);
  }
}
