package io.imgcdn.shard.store;

/**
 * Part of a stored object's body with the object's metadata, as read by {@link
 * ShardStore#getRange(String, long, int)}.
 *
 * @param totalLength length of the whole body
 * @param offset where {@code bytes} start in the body
 * @param bytes the requested bytes, checksum verified; shorter than asked where the body ends,
 *     empty when {@code offset >= totalLength}
 */
public record StoredRange(
    String contentType,
    String etag,
    String lastModified,
    String cacheControl,
    long storedAtMillis,
    long totalLength,
    long offset,
    byte[] bytes) {}
