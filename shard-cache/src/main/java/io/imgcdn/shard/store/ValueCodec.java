package io.imgcdn.shard.store;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * Encodes a {@link StoredObject} as RocksDB values: a small versioned header, then the body inline
 * (version 1) or in separate chunk values (version 2, for bodies larger than one chunk).
 */
final class ValueCodec {

  /*
   * Layout, version 1 (all integers big-endian):
   *
   *   offset  size  field
   *   0       1     version (1)
   *   1       1     flags: bit 0 (FLAG_LAST_MODIFIED) says lastModified follows cacheControl; bit 1
   *                 (FLAG_FILLABLE, version 2 only) says the chunks are filled one by one; other bits 0
   *   2       2     headerLength: bytes from offset 0 to the first body byte
   *   4       8     storedAtMillis
   *   12      8     writeSequence: RocksDB's last sequence number when the value was written; the
   *                 eviction policy compares it with the sequence numbers of the oldest table files
   *   20      4     bodyLength
   *   24      4     bodyCrc32c: CRC32C of the body
   *   28      2+n   contentType (u16 length, UTF-8)
   *   ..      2+n   etag
   *   ..      2+n   cacheControl
   *   ..      2+n   lastModified, only with FLAG_LAST_MODIFIED (an HTTP-date as the origin sent it)
   *   ..      4     headerCrc32c: CRC32C of every header byte before it
   *   headerLength  body
   *
   * Version 2 (chunked) is version 1 with a u32 chunkBytes at offset 28 (strings from offset 32) and no
   * body after the header: the body lies in ceil(bodyLength / chunkBytes) chunk values under the keys
   * key + 0x00 + u32 chunk index, each
   *
   *   0   8   writeSequence of the header it belongs to (a chunk of another version is refused)
   *   8   4   CRC32C of the chunk's data
   *   12  n   data (chunkBytes, the last one shorter)
   *
   * The header and all chunks go in one WriteBatch: atomic in the WAL (no half object after a crash)
   * and in one memtable, so one flush writes them into one table file and FIFO drops them together.
   * Chunking lets a Range read fetch only the chunks it covers and keeps a 15 MB body out of one
   * 15 MB block.
   *
   * Fillable (FLAG_FILLABLE): a large original passed through by ranges is never here whole. Its header
   * (bodyCrc32c 0: there is no whole body to check) is written first and each chunk on its own later,
   * as a range needs it, bound to the header's write sequence like any chunk. A chunk that is not there,
   * or of another write, while that header still is, is absent (to be filled), not corrupt; FIFO may
   * drop header and chunks apart, and a chunk of a header that is gone is never read.
   *
   * Last-Modified came after the first values were written: those have flags 0 and read as objects
   * without one, and a value whose object has none is still written with flags 0, byte for byte as
   * before. A reader that knew no flags would refuse a value with the flag (its strings would not end where
   * the header does) as corrupt: a miss and a fill, never a wrong answer.
   *
   * Why two checksums: the header's own CRC guards the metadata (a flipped bit in the content type
   * must not reach a client either) and lets a reader trust headerLength and bodyLength before it
   * touches the body; the body's CRC can then be checked over exactly the body, also chunk by chunk
   * when a large body is streamed. RocksDB verifies its own block checksums on every read as well; this
   * is the end-to-end check over what the application wrote. CRC32C because the JDK's implementation
   * uses the CPU's crc32 instruction (several GB/s).
   */

  static final byte VERSION = 1;
  static final byte VERSION_CHUNKED = 2;
  static final int FIXED_HEADER_BYTES = 28;

  /** Header bytes besides the three strings: fixed part, three u16 lengths, header CRC. */
  static final int HEADER_OVERHEAD_BYTES = FIXED_HEADER_BYTES + 3 * 2 + 4;

  static final int CHUNK_PREFIX_BYTES = 12;

  /** Flags bit: the header holds a lastModified string after cacheControl. */
  static final byte FLAG_LAST_MODIFIED = 1;

  /** Flags bit (version 2): the chunks are written one by one, as they are filled. */
  static final byte FLAG_FILLABLE = 2;

  private ValueCodec() {}

  /** Thrown when a stored value is not a well-formed, intact value. */
  static class CorruptValueException extends Exception {
    private final String reason;

    CorruptValueException(String reason) {
      super(reason, null, false, false);
      this.reason = reason;
    }

    /** What is wrong with the value (the message, never null). */
    String reason() {
      return reason;
    }
  }

  /**
   * Thrown when a chunk of a chunked body is not there, or belongs to another write than its
   * header. Not necessarily corruption: FIFO may have dropped the table file (header and chunks
   * together), or a put replaced the object, between the read of the header and the read of the
   * chunk; the reader re-reads the header to tell.
   */
  static class ChunkMismatchException extends CorruptValueException {
    private final long writeSequence;

    ChunkMismatchException(String message, Header header) {
      super(message);
      this.writeSequence = header.writeSequence();
    }

    /** The write sequence of the header the chunk was read for. */
    long writeSequence() {
      return writeSequence;
    }
  }

  /** A chunk of a chunked body is not there. */
  static final class MissingChunkException extends ChunkMismatchException {
    MissingChunkException(Header header, int index) {
      super("chunk " + index + " of " + header.chunkCount() + " missing", header);
    }
  }

  /**
   * The decoded header of a value: everything but the body, and where the body starts (inline) or
   * how it is chunked ({@code chunkBytes > 0}).
   */
  record Header(
      String contentType,
      String etag,
      String lastModified,
      String cacheControl,
      long storedAtMillis,
      long writeSequence,
      int bodyLength,
      int bodyCrc32c,
      int headerLength,
      int chunkBytes,
      boolean fillable) {

    boolean chunked() {
      return chunkBytes > 0;
    }

    int chunkCount() {
      return chunked() ? (int) ((bodyLength + (long) chunkBytes - 1) / chunkBytes) : 0;
    }

    int chunkLength(int index) {
      return Math.min(chunkBytes, bodyLength - index * chunkBytes);
    }

    /** This header as rewritten by a re-insertion with {@code sequence}. */
    Header withWriteSequence(long sequence) {
      return new Header(
          contentType,
          etag,
          lastModified,
          cacheControl,
          storedAtMillis,
          sequence,
          bodyLength,
          bodyCrc32c,
          headerLength,
          chunkBytes,
          fillable);
    }
  }

  /**
   * Encodes the version-2 header of a body stored in chunks of {@code chunkBytes}; the chunks come
   * from {@link #encodeChunk}.
   */
  static byte[] encodeChunkedHeader(StoredObject object, long writeSequence, int chunkBytes) {
    byte[] body = object.body();
    return encodeChunkedHeader(
        object,
        writeSequence,
        chunkBytes,
        body.length,
        crc32c(body, 0, body.length),
        flags(headerStrings(object)));
  }

  /**
   * Encodes the version-2 header of a fillable body of {@code bodyLength} bytes (FLAG_FILLABLE;
   * {@code object}'s body is not used); its chunks come from {@link #encodeChunk}, one by one.
   */
  static byte[] encodeFillableHeader(
      StoredObject object, long writeSequence, int chunkBytes, int bodyLength) {
    return encodeChunkedHeader(
        object,
        writeSequence,
        chunkBytes,
        bodyLength,
        0,
        (byte) (flags(headerStrings(object)) | FLAG_FILLABLE));
  }

  private static byte[] encodeChunkedHeader(
      StoredObject object,
      long writeSequence,
      int chunkBytes,
      int bodyLength,
      int bodyCrc,
      byte flags) {
    byte[][] strings = headerStrings(object);
    int headerLength = HEADER_OVERHEAD_BYTES + 4 + stringBytes(strings);
    byte[] value = new byte[headerLength];
    ByteBuffer out = ByteBuffer.wrap(value).order(ByteOrder.BIG_ENDIAN);
    out.put(VERSION_CHUNKED)
        .put(flags)
        .putShort((short) headerLength)
        .putLong(object.storedAtMillis())
        .putLong(writeSequence)
        .putInt(bodyLength)
        .putInt(bodyCrc)
        .putInt(chunkBytes);
    putStrings(out, strings);
    out.putInt(crc32c(value, 0, out.position()));
    return value;
  }

  /**
   * Encodes {@code length} body bytes from {@code offset} as a chunk value bound to {@code
   * writeSequence}.
   */
  static byte[] encodeChunk(byte[] body, int offset, int length, long writeSequence) {
    byte[] value = new byte[CHUNK_PREFIX_BYTES + length];
    ByteBuffer.wrap(value)
        .order(ByteOrder.BIG_ENDIAN)
        .putLong(writeSequence)
        .putInt(crc32c(body, offset, length));
    System.arraycopy(body, offset, value, CHUNK_PREFIX_BYTES, length);
    return value;
  }

  /**
   * Verifies a chunk value read from the store against its header; the data starts at
   * CHUNK_PREFIX_BYTES.
   */
  static void verifyChunk(byte[] value, Header header, int index) throws CorruptValueException {
    verifyChunk(ByteBuffer.wrap(value), header, index);
  }

  /** Verifies a chunk value held in a buffer (position to limit) against its header. */
  static void verifyChunk(ByteBuffer value, Header header, int index) throws CorruptValueException {
    ByteBuffer in = value.duplicate().order(ByteOrder.BIG_ENDIAN);
    int expected = header.chunkLength(index);
    if (in.remaining() != CHUNK_PREFIX_BYTES + expected) {
      throw new CorruptValueException(
          "chunk "
              + index
              + " length "
              + in.remaining()
              + " (expected: "
              + (CHUNK_PREFIX_BYTES + expected)
              + ")");
    }
    long sequence = in.getLong(in.position());
    if (sequence != header.writeSequence()) {
      throw new ChunkMismatchException(
          "chunk "
              + index
              + " of write "
              + sequence
              + " (expected: "
              + header.writeSequence()
              + ")",
          header);
    }
    int storedCrc = in.getInt(in.position() + 8);
    CRC32C crc = new CRC32C();
    crc.update(in.slice(in.position() + CHUNK_PREFIX_BYTES, expected));
    if ((int) crc.getValue() != storedCrc) {
      throw new CorruptValueException(
          "chunk "
              + index
              + " CRC32C "
              + Long.toHexString(crc.getValue())
              + " (expected: "
              + Integer.toHexString(storedCrc)
              + ")");
    }
  }

  static byte[] encode(StoredObject object, long writeSequence) {
    byte[][] strings = headerStrings(object);
    byte[] body = object.body();
    int headerLength = HEADER_OVERHEAD_BYTES + stringBytes(strings);
    byte[] value = new byte[headerLength + body.length];
    ByteBuffer out = ByteBuffer.wrap(value).order(ByteOrder.BIG_ENDIAN);
    out.put(VERSION)
        .put(flags(strings))
        .putShort((short) headerLength)
        .putLong(object.storedAtMillis())
        .putLong(writeSequence)
        .putInt(body.length)
        .putInt(crc32c(body, 0, body.length));
    putStrings(out, strings);
    out.putInt(crc32c(value, 0, out.position()));
    out.put(body);
    return value;
  }

  /** Decodes and verifies a whole value (header and body checksums). */
  static StoredObject decode(byte[] value) throws CorruptValueException {
    Header header = decodeHeader(value, value.length);
    return decode(value, header);
  }

  /** Verifies and decodes an inline (version-1) value whose header was decoded already. */
  static StoredObject decode(byte[] value, Header header) throws CorruptValueException {
    if (header.chunked()) {
      throw new CorruptValueException("chunked value decoded as inline");
    }
    if (value.length != header.headerLength() + header.bodyLength()) {
      throw new CorruptValueException(
          "value length "
              + value.length
              + " (expected: header "
              + header.headerLength()
              + " + body "
              + header.bodyLength()
              + ")");
    }
    int actual = crc32c(value, header.headerLength(), header.bodyLength());
    if (actual != header.bodyCrc32c()) {
      throw new CorruptValueException(
          "body CRC32C "
              + Integer.toHexString(actual)
              + " (expected: "
              + Integer.toHexString(header.bodyCrc32c())
              + ")");
    }
    byte[] body = new byte[header.bodyLength()];
    System.arraycopy(value, header.headerLength(), body, 0, body.length);
    return new StoredObject(
        header.contentType(),
        header.etag(),
        header.lastModified(),
        header.cacheControl(),
        header.storedAtMillis(),
        body);
  }

  /**
   * Decodes and verifies the header found in the first {@code available} bytes of {@code value};
   * the body is not checked.
   */
  static Header decodeHeader(byte[] value, int available) throws CorruptValueException {
    if (available < HEADER_OVERHEAD_BYTES) {
      throw new CorruptValueException(
          "value length " + available + " (expected: >= " + HEADER_OVERHEAD_BYTES + ")");
    }
    ByteBuffer in = ByteBuffer.wrap(value, 0, available).order(ByteOrder.BIG_ENDIAN);
    byte version = in.get();
    if (version != VERSION && version != VERSION_CHUNKED) {
      throw new CorruptValueException(
          "version " + version + " (expected: " + VERSION + " or " + VERSION_CHUNKED + ")");
    }
    byte flags = in.get();
    int known =
        version == VERSION_CHUNKED ? FLAG_LAST_MODIFIED | FLAG_FILLABLE : FLAG_LAST_MODIFIED;
    if ((flags & ~known) != 0) {
      throw new CorruptValueException(
          "flags " + Integer.toHexString(flags & 0xff) + " (expected: bits of " + known + ")");
    }
    int headerLength = Short.toUnsignedInt(in.getShort());
    int minimum = HEADER_OVERHEAD_BYTES + (version == VERSION_CHUNKED ? 4 : 0);
    if (headerLength < minimum || headerLength > available) {
      throw new CorruptValueException(
          "headerLength " + headerLength + " (expected: " + minimum + ".." + available + ")");
    }
    int storedCrc = ByteBuffer.wrap(value, headerLength - 4, 4).getInt();
    int actualCrc = crc32c(value, 0, headerLength - 4);
    if (storedCrc != actualCrc) {
      throw new CorruptValueException(
          "header CRC32C "
              + Integer.toHexString(actualCrc)
              + " (expected: "
              + Integer.toHexString(storedCrc)
              + ")");
    }
    long storedAtMillis = in.getLong();
    long writeSequence = in.getLong();
    int bodyLength = in.getInt();
    int bodyCrc = in.getInt();
    int chunkBytes = version == VERSION_CHUNKED ? in.getInt() : 0;
    if (bodyLength < 0) {
      throw new CorruptValueException("bodyLength " + bodyLength + " (expected: >= 0)");
    }
    if (version == VERSION_CHUNKED && chunkBytes <= 0) {
      throw new CorruptValueException("chunkBytes " + chunkBytes + " (expected: > 0)");
    }
    String contentType = getString(in, headerLength - 4);
    String etag = getString(in, headerLength - 4);
    String cacheControl = getString(in, headerLength - 4);
    String lastModified = (flags & FLAG_LAST_MODIFIED) != 0 ? getString(in, headerLength - 4) : "";
    if (in.position() != headerLength - 4) {
      throw new CorruptValueException(
          "header strings end at " + in.position() + " (expected: " + (headerLength - 4) + ")");
    }
    return new Header(
        contentType,
        etag,
        lastModified,
        cacheControl,
        storedAtMillis,
        writeSequence,
        bodyLength,
        bodyCrc,
        headerLength,
        chunkBytes,
        (flags & FLAG_FILLABLE) != 0);
  }

  /**
   * Decodes and verifies a value held in a (direct) buffer, from its position to its limit, without
   * copying the body: the result's body is a read-only slice of {@code value}.
   */
  static DirectObject decode(ByteBuffer value) throws CorruptValueException {
    return decode(value, decodeHeader(value));
  }

  /** {@link #decode(ByteBuffer)} with the header already decoded from the same bytes. */
  static DirectObject decode(ByteBuffer value, Header header) throws CorruptValueException {
    ByteBuffer in = value.duplicate().order(ByteOrder.BIG_ENDIAN);
    int available = in.remaining();
    if (header.chunked()) {
      throw new CorruptValueException("chunked value decoded as inline");
    }
    if (available != header.headerLength() + header.bodyLength()) {
      throw new CorruptValueException(
          "value length "
              + available
              + " (expected: header "
              + header.headerLength()
              + " + body "
              + header.bodyLength()
              + ")");
    }
    ByteBuffer body =
        in.slice(in.position() + header.headerLength(), header.bodyLength()).asReadOnlyBuffer();
    CRC32C crc = new CRC32C();
    crc.update(body.duplicate());
    if ((int) crc.getValue() != header.bodyCrc32c()) {
      throw new CorruptValueException(
          "body CRC32C "
              + Long.toHexString(crc.getValue())
              + " (expected: "
              + Integer.toHexString(header.bodyCrc32c())
              + ")");
    }
    return new DirectObject(
        header.contentType(),
        header.etag(),
        header.lastModified(),
        header.cacheControl(),
        header.storedAtMillis(),
        body);
  }

  /** Rewrites the write sequence of an encoded value in place (and its header checksum). */
  static void setWriteSequence(byte[] value, Header header, long writeSequence) {
    ByteBuffer out = ByteBuffer.wrap(value).order(ByteOrder.BIG_ENDIAN);
    out.putLong(12, writeSequence);
    out.putInt(header.headerLength() - 4, crc32c(value, 0, header.headerLength() - 4));
  }

  /**
   * Rewrites the write sequence of an encoded value held in a buffer, in place (and its header
   * checksum).
   */
  static void setWriteSequence(ByteBuffer value, Header header, long writeSequence) {
    value = value.duplicate().order(ByteOrder.BIG_ENDIAN);
    int start = value.position();
    value.putLong(start + 12, writeSequence);
    byte[] headerBytes = new byte[header.headerLength() - 4];
    value.get(start, headerBytes);
    value.putInt(start + header.headerLength() - 4, crc32c(headerBytes, 0, headerBytes.length));
  }

  /** Decodes and verifies the header of a value held in a buffer, from its position. */
  static Header decodeHeader(ByteBuffer value) throws CorruptValueException {
    value = value.duplicate().order(ByteOrder.BIG_ENDIAN);
    int available = value.remaining();
    if (available < HEADER_OVERHEAD_BYTES) {
      throw new CorruptValueException(
          "value length " + available + " (expected: >= " + HEADER_OVERHEAD_BYTES + ")");
    }
    int headerLength = Short.toUnsignedInt(value.getShort(value.position() + 2));
    byte[] headerBytes = new byte[Math.min(headerLength, available)];
    value.get(value.position(), headerBytes);
    return decodeHeader(headerBytes, headerBytes.length);
  }

  /** Number of bytes {@link #encode} produces for {@code object}. */
  static long encodedLength(StoredObject object) {
    return (long) HEADER_OVERHEAD_BYTES
        + utf8Length(object.contentType())
        + utf8Length(object.etag())
        + utf8Length(object.cacheControl())
        + (object.lastModified().isEmpty() ? 0 : 2 + utf8Length(object.lastModified()))
        + object.body().length;
  }

  static int crc32c(byte[] bytes, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, length);
    return (int) crc.getValue();
  }

  private static byte[] utf8(String field, String value) {
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > StoredObject.MAX_HEADER_VALUE_BYTES) {
      throw new IllegalArgumentException(
          field
              + ": "
              + bytes.length
              + " UTF-8 bytes (expected: <= "
              + StoredObject.MAX_HEADER_VALUE_BYTES
              + ")");
    }
    return bytes;
  }

  private static int utf8Length(String value) {
    return value.getBytes(StandardCharsets.UTF_8).length;
  }

  /**
   * The header's strings in their order, as UTF-8: contentType, etag, cacheControl, and
   * lastModified when the object has one.
   */
  private static byte[][] headerStrings(StoredObject object) {
    byte[] contentType = utf8("contentType", object.contentType());
    byte[] etag = utf8("etag", object.etag());
    byte[] cacheControl = utf8("cacheControl", object.cacheControl());
    return object.lastModified().isEmpty()
        ? new byte[][] {contentType, etag, cacheControl}
        : new byte[][] {
          contentType, etag, cacheControl, utf8("lastModified", object.lastModified())
        };
  }

  private static byte flags(byte[][] strings) {
    return strings.length > 3 ? FLAG_LAST_MODIFIED : 0;
  }

  /** Bytes of the strings beyond the three u16 lengths HEADER_OVERHEAD_BYTES counts. */
  private static int stringBytes(byte[][] strings) {
    int n = 2 * (strings.length - 3);
    for (byte[] s : strings) {
      n += s.length;
    }
    return n;
  }

  private static void putStrings(ByteBuffer out, byte[][] strings) {
    for (byte[] bytes : strings) {
      out.putShort((short) bytes.length).put(bytes);
    }
  }

  private static String getString(ByteBuffer in, int limit) throws CorruptValueException {
    if (in.position() + 2 > limit) {
      throw new CorruptValueException(
          "header string length at " + in.position() + " beyond " + limit);
    }
    int length = Short.toUnsignedInt(in.getShort());
    if (in.position() + length > limit) {
      throw new CorruptValueException(
          "header string of " + length + " bytes at " + in.position() + " beyond " + limit);
    }
    String s =
        new String(in.array(), in.arrayOffset() + in.position(), length, StandardCharsets.UTF_8);
    in.position(in.position() + length);
    return s;
  }
}
