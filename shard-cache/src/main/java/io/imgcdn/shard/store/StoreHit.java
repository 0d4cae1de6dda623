package io.imgcdn.shard.store;

/**
 * What {@link ShardStore#find} found: a body read whole into the caller's buffer ({@link
 * DirectObject}), or a large body left on disk to be read chunk by chunk ({@link ChunkedBody}).
 */
public sealed interface StoreHit permits DirectObject, ChunkedBody {
  String contentType();

  String etag();

  /** The Last-Modified value stored with the object, "" when it has none. */
  String lastModified();

  String cacheControl();

  long storedAtMillis();

  /** Body length in bytes. */
  int bodyLength();
}
