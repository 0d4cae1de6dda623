package io.imgcdn.shard.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ValueCodecTest {

  private static StoredObject sample(int bodyLength) {
    byte[] body = new byte[bodyLength];
    new Random(7).nextBytes(body);
    return new StoredObject(
        "image/jpeg",
        "\"abc123\"",
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "public, max-age=31536000, immutable",
        1_700_000_000_000L,
        body);
  }

  @Test
  void decode_encodedValue_returnsEqualFields() throws Exception {
    StoredObject object = sample(1000);

    StoredObject decoded = ValueCodec.decode(ValueCodec.encode(object, 42));

    assertThat(decoded.contentType()).isEqualTo(object.contentType());
    assertThat(decoded.etag()).isEqualTo(object.etag());
    assertThat(decoded.lastModified()).isEqualTo(object.lastModified());
    assertThat(decoded.cacheControl()).isEqualTo(object.cacheControl());
    assertThat(decoded.storedAtMillis()).isEqualTo(object.storedAtMillis());
    assertThat(decoded.body()).isEqualTo(object.body());
  }

  @Test
  void decodeHeader_encodedValue_returnsSequenceAndLengths() throws Exception {
    StoredObject object = sample(500);
    byte[] value = ValueCodec.encode(object, 99);

    ValueCodec.Header header = ValueCodec.decodeHeader(value, value.length);

    assertThat(header.writeSequence()).isEqualTo(99);
    assertThat(header.bodyLength()).isEqualTo(500);
    assertThat(header.headerLength() + header.bodyLength()).isEqualTo(value.length);
    assertThat(ValueCodec.encodedLength(object)).isEqualTo(value.length);
  }

  @Test
  void decode_emptyBodyAndEmptyStrings_roundTrips() throws Exception {
    StoredObject object = new StoredObject("", "", "", "", 0, new byte[0]);

    StoredObject decoded = ValueCodec.decode(ValueCodec.encode(object, 0));

    assertThat(decoded.body()).isEmpty();
    assertThat(decoded.contentType()).isEmpty();
    assertThat(decoded.lastModified()).isEmpty();
  }

  /**
   * Values as the version before Last-Modified wrote them (flags 0, three strings), captured from
   * its encoder: an inline one (storedAt 1700000000123, write 42, body "body") and a chunked header
   * (storedAt 1700000000456, write 43, five zero bytes in chunks of 2). They must still read, as
   * objects without a Last-Modified.
   */
  @Test
  void decode_valuesWrittenBeforeLastModified_readWithoutOne() throws Exception {
    byte[] inline =
        HexFormat.of()
            .parseHex(
                "010000460000018bcfe5687b000000000000002a00000004263fc950000a696d6167652f6a706567"
                    + "00042276312200127075626c69632c206d61782d6167653d36300ceef5d6626f6479");
    StoredObject old = ValueCodec.decode(inline);
    assertThat(old.contentType()).isEqualTo("image/jpeg");
    assertThat(old.etag()).isEqualTo("\"v1\"");
    assertThat(old.cacheControl()).isEqualTo("public, max-age=60");
    assertThat(old.lastModified()).isEmpty();
    assertThat(old.storedAtMillis()).isEqualTo(1_700_000_000_123L);
    assertThat(old.body()).isEqualTo("body".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    DirectObject direct = ValueCodec.decode(ByteBuffer.wrap(inline));
    assertThat(direct.lastModified()).isEmpty();
    assertThat(direct.etag()).isEqualTo("\"v1\"");

    byte[] chunkedHeader =
        HexFormat.of()
            .parseHex(
                "0200003d0000018bcfe569c8000000000000002b0000000545727635000000020009696d6167652f"
                    + "706e6700042276322200067075626c6963fc848e25");
    ValueCodec.Header header = ValueCodec.decodeHeader(chunkedHeader, chunkedHeader.length);
    assertThat(header.chunked()).isTrue();
    assertThat(header.chunkCount()).isEqualTo(3);
    assertThat(header.etag()).isEqualTo("\"v2\"");
    assertThat(header.cacheControl()).isEqualTo("public");
    assertThat(header.lastModified()).isEmpty();
    assertThat(header.writeSequence()).isEqualTo(43);

    // An object without a Last-Modified is still written byte for byte as before.
    StoredObject same =
        new StoredObject(
            "image/jpeg",
            "\"v1\"",
            "",
            "public, max-age=60",
            1_700_000_000_123L,
            "body".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    assertThat(ValueCodec.encode(same, 42)).isEqualTo(inline);
  }

  @Test
  void decode_chunkedHeaderWithLastModified_roundTrips() throws Exception {
    StoredObject object = sample(10);
    byte[] value = ValueCodec.encodeChunkedHeader(object, 7, 4);

    ValueCodec.Header header = ValueCodec.decodeHeader(value, value.length);

    assertThat(header.lastModified()).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
    assertThat(header.cacheControl()).isEqualTo(object.cacheControl());
    assertThat(header.chunkCount()).isEqualTo(3);
    assertThat(header.withWriteSequence(8).lastModified()).isEqualTo(header.lastModified());
  }

  @Test
  void decodeHeader_unknownFlag_isRejected() {
    byte[] value = ValueCodec.encode(sample(10), 1);
    value[1] |= 2;
    // the header CRC must match, so that it is the flag that is refused
    ByteBuffer.wrap(value)
        .putInt(value.length - 10 - 4, ValueCodec.crc32c(value, 0, value.length - 10 - 4));
    assertThatThrownBy(() -> ValueCodec.decodeHeader(value, value.length))
        .isInstanceOf(ValueCodec.CorruptValueException.class)
        .hasMessageContaining("flags");
  }

  @Test
  void decode_anySingleFlippedBit_isRejected() {
    byte[] value = ValueCodec.encode(sample(300), 5);
    for (int i = 0; i < value.length; i++) {
      for (int bit = 0; bit < 8; bit++) {
        byte[] corrupt = value.clone();
        corrupt[i] ^= (byte) (1 << bit);
        int position = i;
        assertThatThrownBy(() -> ValueCodec.decode(corrupt))
            .as("flip of bit %d at byte %d", bit, position)
            .isInstanceOf(ValueCodec.CorruptValueException.class);
      }
    }
  }

  @Test
  void decode_truncatedOrExtended_isRejected() {
    byte[] value = ValueCodec.encode(sample(300), 5);
    byte[] truncated = java.util.Arrays.copyOf(value, value.length - 1);
    byte[] extended = java.util.Arrays.copyOf(value, value.length + 1);
    byte[] tiny = java.util.Arrays.copyOf(value, 10);

    assertThatThrownBy(() -> ValueCodec.decode(truncated))
        .isInstanceOf(ValueCodec.CorruptValueException.class);
    assertThatThrownBy(() -> ValueCodec.decode(extended))
        .isInstanceOf(ValueCodec.CorruptValueException.class);
    assertThatThrownBy(() -> ValueCodec.decode(tiny))
        .isInstanceOf(ValueCodec.CorruptValueException.class);
  }

  @Test
  void encode_overlongHeaderValue_failsNamingTheField() {
    StoredObject object = new StoredObject("x".repeat(5000), "", "", "", 0, new byte[1]);

    assertThatThrownBy(() -> ValueCodec.encode(object, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("contentType")
        .hasMessageContaining("expected");
  }
}
