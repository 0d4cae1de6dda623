package io.imgcdn.shard.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ValueCodecTest {

  private static StoredObject sample(int bodyLength) {
    byte[] body = new byte[bodyLength];
    new Random(7).nextBytes(body);
    return new StoredObject(
        "image/jpeg",
        "\"abc123\"",
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
    StoredObject object = new StoredObject("", "", "", 0, new byte[0]);

    StoredObject decoded = ValueCodec.decode(ValueCodec.encode(object, 0));

    assertThat(decoded.body()).isEmpty();
    assertThat(decoded.contentType()).isEmpty();
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
    StoredObject object = new StoredObject("x".repeat(5000), "", "", 0, new byte[1]);

    assertThatThrownBy(() -> ValueCodec.encode(object, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("contentType")
        .hasMessageContaining("expected");
  }
}
