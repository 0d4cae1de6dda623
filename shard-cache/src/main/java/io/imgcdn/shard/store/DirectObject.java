package io.imgcdn.shard.store;

import java.nio.ByteBuffer;

/**
 * A stored object whose body lies in a buffer the caller supplied to {@link ShardStore#find} or
 * {@link ShardStore#getCached} (typically direct memory), not on the Java heap.
 *
 * @param body a read-only slice of the caller's buffer holding exactly the body bytes, checksum
 *     verified
 */
public record DirectObject(
    String contentType,
    String etag,
    String lastModified,
    String cacheControl,
    long storedAtMillis,
    ByteBuffer body)
    implements StoreHit {

  /** Body length in bytes. */
  @Override
  public int bodyLength() {
    return body.remaining();
  }
}
