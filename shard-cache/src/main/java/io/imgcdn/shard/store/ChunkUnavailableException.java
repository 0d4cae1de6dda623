package io.imgcdn.shard.store;

/**
 * A chunk of a {@link ChunkedBody} cannot be served: the object was replaced, deleted or evicted
 * since it was found, or the chunk failed verification (then the object is deleted). A response
 * that has sent part of the body must be cut; another version's bytes must not follow. Or, for a
 * fillable body ({@link ChunkedBody#fillable()}), the chunk is {@link #absent()}: not filled yet,
 * or dropped by itself; the object is still there and the chunk may be filled ({@link
 * ShardStore#putChunk}).
 */
public final class ChunkUnavailableException extends Exception {
  private final boolean absent;

  public ChunkUnavailableException(String message) {
    this(message, false);
  }

  ChunkUnavailableException(String message, boolean absent) {
    super(message, null, false, false);
    this.absent = absent;
  }

  /** Whether the object is still there and only this chunk is not: fill it. */
  public boolean absent() {
    return absent;
  }
}
