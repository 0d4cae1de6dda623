package io.imgcdn.shard.store;

/**
 * A chunk of a {@link ChunkedBody} cannot be served: the object was replaced, deleted or evicted
 * since it was found, or the chunk failed verification (then the object is deleted). A response
 * that has sent part of the body must be cut; another version's bytes must not follow.
 */
public final class ChunkUnavailableException extends Exception {
  ChunkUnavailableException(String message) {
    super(message, null, false, false);
  }
}
