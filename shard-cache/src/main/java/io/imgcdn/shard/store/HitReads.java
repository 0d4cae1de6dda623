package io.imgcdn.shard.store;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;

/**
 * Hit reads on the store's threads: {@code find} (an inline value into the caller's buffer, or a
 * chunked body's metadata) and {@code readChunk} (one chunk of that version into the caller's
 * buffer), every byte verified.
 */
final class HitReads {

  /*
   * An inline value is copied once, from RocksDB into the caller's (pooled, direct) buffer. With a size
   * hint (SizeHints) RocksDB writes it there itself; without one, or when the hint was wrong (RocksDB's
   * get returns the value's real size), it goes through the thread's scratch buffer first, which also
   * records the size for the next read. A wrong hint costs one more read, never a wrong byte: whichever
   * way it was read, ValueCodec verifies the value before it is returned.
   *
   * A body stored in chunks is not read by find: its header becomes a ChunkedBody, and readChunk reads
   * one chunk at a time, so a response can read the next chunk only when its client has taken the last.
   * A chunk carries its header's write sequence: one of another version (the object was replaced,
   * re-inserted, deleted or evicted since find) is ChunkUnavailableException, not corruption.
   *
   * Every found copy is a candidate for re-insertion (Reinserter); the stripe version is noted before
   * the read so that a re-insertion never writes back a copy something replaced meanwhile.
   */

  private final StoreDatabase database;
  private final StoreThreads threads;
  private final KeyStripes stripes;
  private final HotSetPolicy policy;
  private final SizeHints sizeHints;
  private final ReadBuffers buffers;
  private final Reinserter reinserter;
  private final Verification verification;
  private final StoreCounters counters;

  HitReads(
      StoreDatabase database,
      StoreThreads threads,
      KeyStripes stripes,
      HotSetPolicy policy,
      SizeHints sizeHints,
      ReadBuffers buffers,
      Reinserter reinserter,
      Verification verification,
      StoreCounters counters) {
    this.database = database;
    this.threads = threads;
    this.stripes = stripes;
    this.policy = policy;
    this.sizeHints = sizeHints;
    this.buffers = buffers;
    this.reinserter = reinserter;
    this.verification = verification;
    this.counters = counters;
  }

  /** See {@link ShardStore#find}. */
  CompletableFuture<Optional<StoreHit>> find(
      String key, IntFunction<ByteBuffer> allocate, Consumer<ByteBuffer> release) {
    byte[] keyBytes = StoreKeys.encode(key);
    Objects.requireNonNull(allocate, "allocate");
    Objects.requireNonNull(release, "release");
    return threads.submit(() -> lookup(key, keyBytes, allocate, release));
  }

  /** See {@link ShardStore#readChunk}. */
  CompletableFuture<ByteBuffer> readChunk(
      ChunkedBody body, int index, IntFunction<ByteBuffer> allocate, Consumer<ByteBuffer> release) {
    Objects.requireNonNull(body, "body");
    Objects.checkIndex(index, body.chunkCount());
    Objects.requireNonNull(allocate, "allocate");
    Objects.requireNonNull(release, "release");
    return threads.submit(() -> chunk(body, index, allocate, release));
  }

  private Optional<StoreHit> lookup(
      String key, byte[] keyBytes, IntFunction<ByteBuffer> allocate, Consumer<ByteBuffer> release)
      throws RocksDBException {
    long keyHash = FrequencySketch.hash(keyBytes);
    policy.recordAccess(keyHash);
    long version = stripes.version(keyHash);
    ByteBuffer keyBuffer = buffers.directKey(keyBytes);
    ValueCodec.Header header;
    ByteBuffer value;
    DirectObject object;
    try {
      Found found = read(keyHash, keyBuffer, allocate, release);
      if (found == null) {
        counters.misses.increment();
        return Optional.empty();
      }
      header = found.header();
      value = found.value();
      if (value == null) {
        counters.hits.increment();
        return Optional.of(
            new ChunkedBody(
                key,
                keyBytes,
                reinserter.reinsertChunkedIfDue(keyBytes, keyHash, version, header)));
      }
      try {
        object = ValueCodec.decode(value, header);
      } catch (ValueCodec.CorruptValueException e) {
        release.accept(value);
        throw e;
      }
    } catch (ValueCodec.CorruptValueException e) {
      verification.missOrDrop(key, keyBytes, keyHash, e);
      return Optional.empty();
    } catch (RocksDBException e) {
      if (verification.dropIfCorruption(key, keyBytes, keyHash, e)) {
        return Optional.empty();
      }
      throw e;
    }
    counters.hits.increment();
    reinserter.reinsertInlineIfDue(keyBuffer, keyBytes, keyHash, version, header, value);
    return Optional.of(object);
  }

  /**
   * A value found: its header and, for an inline value, the caller's buffer holding exactly the
   * value (null for a chunked body's header).
   */
  private record Found(ValueCodec.Header header, @Nullable ByteBuffer value) {}

  /**
   * Reads the value under the key, not yet verified beyond its header; null for a miss. Every
   * buffer taken from {@code allocate} that is not in the result went back to {@code release}.
   */
  private @Nullable Found read(
      long keyHash,
      ByteBuffer keyBuffer,
      IntFunction<ByteBuffer> allocate,
      Consumer<ByteBuffer> release)
      throws RocksDBException, ValueCodec.CorruptValueException {
    int attempts = 2;
    int hint = sizeHints.get(keyHash);
    if (hint > 0) {
      // The size is known: RocksDB copies the value straight into the caller's buffer.
      ByteBuffer target = ReadBuffers.allocateExactly(allocate, release, hint);
      int size = readInto(keyBuffer, target, release);
      ValueCodec.Header header = size == hint ? inlineHeaderOrNull(target) : null;
      if (header != null) {
        return new Found(header, target);
      }
      release.accept(target);
      if (size == RocksDB.NOT_FOUND) {
        sizeHints.remove(keyHash);
        return null;
      }
      attempts = 1; // replaced, or another key's hint: read once more, through the scratch buffer
    }
    for (int attempt = 0; attempt < attempts; attempt++) {
      ByteBuffer scratch = buffers.scratch();
      int size = database.db.get(database.hitReads, keyBuffer.duplicate(), scratch);
      if (size == RocksDB.NOT_FOUND) {
        return null;
      }
      if (size <= scratch.capacity()) {
        ValueCodec.Header header = ValueCodec.decodeHeader(scratch.duplicate());
        if (header.chunked()) {
          return new Found(header, null);
        }
        ByteBuffer value = ReadBuffers.allocateExactly(allocate, release, size);
        value.put(value.position(), scratch, 0, size);
        sizeHints.put(keyHash, size);
        return new Found(header, value);
      }
      // An inline value above the scratch size (written before chunking existed): read it again.
      ByteBuffer target = ReadBuffers.allocateExactly(allocate, release, size);
      if (readInto(keyBuffer, target, release) == size) {
        try {
          return new Found(ValueCodec.decodeHeader(target), target);
        } catch (ValueCodec.CorruptValueException e) {
          release.accept(target);
          throw e;
        }
      }
      release.accept(target); // replaced between the two reads; read again
    }
    return null;
  }

  /**
   * Reads the key's value into {@code target} (its position on, without moving it); returns the
   * value's full size or {@link RocksDB#NOT_FOUND}. A failed read hands {@code target} to {@code
   * release}.
   */
  private int readInto(ByteBuffer keyBuffer, ByteBuffer target, Consumer<ByteBuffer> release)
      throws RocksDBException {
    try {
      return database.db.get(database.hitReads, keyBuffer.duplicate(), target.duplicate());
    } catch (RocksDBException | RuntimeException e) {
      release.accept(target);
      throw e;
    }
  }

  /**
   * The header of a value read by size hint when it is an inline value (the only kind hints are
   * kept for); null for a chunked header (the key was replaced) or one that does not decode, which
   * the read through the scratch buffer then reports.
   */
  private static ValueCodec.@Nullable Header inlineHeaderOrNull(ByteBuffer value) {
    try {
      ValueCodec.Header header = ValueCodec.decodeHeader(value);
      return header.chunked() ? null : header;
    } catch (ValueCodec.CorruptValueException e) {
      return null;
    }
  }

  private ByteBuffer chunk(
      ChunkedBody body, int index, IntFunction<ByteBuffer> allocate, Consumer<ByteBuffer> release)
      throws RocksDBException, ChunkUnavailableException {
    ValueCodec.Header header = body.header();
    byte[] keyBytes = body.keyBytes();
    ByteBuffer target = ReadBuffers.allocateExactly(allocate, release, body.chunkValueBytes(index));
    try {
      int size =
          database.db.get(
              database.hitReads,
              buffers.directKey(StoreKeys.chunkKey(keyBytes, index)),
              target.duplicate());
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
      if (header.fillable() && e instanceof ValueCodec.ChunkMismatchException) {
        // Not filled yet, dropped by FIFO apart from its header, or a leftover of an older copy.
        if (verification.stale(keyBytes, e)) {
          throw new ChunkUnavailableException(
              LogSafe.key(body.key()) + ": replaced or evicted while it was read");
        }
        throw new ChunkUnavailableException(
            LogSafe.key(body.key()) + ": chunk " + index + " not filled", true);
      }
      if (verification.stale(keyBytes, e)) {
        throw new ChunkUnavailableException(
            LogSafe.key(body.key()) + ": replaced or evicted while it was read");
      }
      verification.dropCorrupt(body.key(), keyBytes, FrequencySketch.hash(keyBytes), e.reason());
      throw new ChunkUnavailableException(
          LogSafe.key(body.key()) + ": corrupt chunk " + index + " (" + e.reason() + ")");
    } catch (RocksDBException | RuntimeException e) {
      release.accept(target);
      if (e instanceof RocksDBException rocks
          && verification.dropIfCorruption(
              body.key(), keyBytes, FrequencySketch.hash(keyBytes), rocks)) {
        throw new ChunkUnavailableException(
            LogSafe.key(body.key()) + ": corrupt chunk " + index + " (" + rocks.getMessage() + ")");
      }
      throw e;
    }
  }
}
