package io.imgcdn.shard.store;

/**
 * A hit whose body (over 1 MiB) is stored in chunks and has not been read: its metadata, and what
 * {@link ShardStore#readChunk} needs to read one chunk of this version of it. Holds no buffer.
 */
public final class ChunkedBody implements StoreHit {
  private final String key;
  private final byte[] keyBytes;
  private final ValueCodec.Header header;

  ChunkedBody(String key, byte[] keyBytes, ValueCodec.Header header) {
    this.key = key;
    this.keyBytes = keyBytes;
    this.header = header;
  }

  @Override
  public String contentType() {
    return header.contentType();
  }

  @Override
  public String etag() {
    return header.etag();
  }

  @Override
  public String lastModified() {
    return header.lastModified();
  }

  @Override
  public String cacheControl() {
    return header.cacheControl();
  }

  @Override
  public long storedAtMillis() {
    return header.storedAtMillis();
  }

  @Override
  public int bodyLength() {
    return header.bodyLength();
  }

  /**
   * Whether the chunks are filled one by one ({@link ShardStore#putFillable}): a chunk not there
   * yet is {@link ChunkUnavailableException#absent()}.
   */
  public boolean fillable() {
    return header.fillable();
  }

  /** Body bytes per chunk; every chunk but the last holds exactly this many. */
  public int chunkBytes() {
    return header.chunkBytes();
  }

  public int chunkCount() {
    return header.chunkCount();
  }

  /** Body bytes in chunk {@code index}. */
  public int chunkLength(int index) {
    return header.chunkLength(index);
  }

  /**
   * The buffer size {@link ShardStore#readChunk} asks for: the chunk's body bytes and their prefix.
   */
  public int chunkValueBytes(int index) {
    return ValueCodec.CHUNK_PREFIX_BYTES + chunkLength(index);
  }

  String key() {
    return key;
  }

  byte[] keyBytes() {
    return keyBytes;
  }

  ValueCodec.Header header() {
    return header;
  }

  @Override
  public String toString() {
    return "ChunkedBody["
        + LogSafe.key(key)
        + ", "
        + header.bodyLength()
        + " bytes in "
        + header.chunkCount()
        + " chunks]";
  }
}
