package io.imgcdn.hashring;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class XxHash64Test {

  /**
   * Golden values printed by the reference implementation: {@code printf '%s' "$s" | xxhsum -H64}.
   */
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      emptyValue = "",
      textBlock =
          """
          ''                                                                            | ef46db3751d8e999
          a                                                                             | d24ec4f1a98c6e5b
          abc                                                                           | 44bc2cf5ad770999
          Nobody inspects the spammish repetition                                       | fbcea83c8a378bf1
          0123456789abcdef0123456789abcdef                                              | 642a94958e71e6c5
          0123456789abcdef0123456789abcdef0123456789abcdefXYZ                           | 2068b5be32b6d8dc
          https://img.example.com/img-original/img/2024/01/02/03/04/05/123456789_p0.jpg | 77c6c1f208f23e2b
          héllo wörld ✓                                                                 | 34d9919c86f55ac4
          """)
  void hash64_referenceVectors_matchXxhsum(String input, String expectedHex) {
    byte[] bytes = input.getBytes(StandardCharsets.UTF_8);
    assertThat(HashRings.hash64(bytes)).isEqualTo(Long.parseUnsignedLong(expectedHex, 16));
  }

  @Test
  void hashLong_anyValue_equalsHashOfItsLittleEndianBytes() {
    assertThat(XxHash64.hashLong(1, 0)).isEqualTo(0x9f29cb17a2a49995L); // xxhsum of 01 00 .. 00
    java.util.SplittableRandom random = new java.util.SplittableRandom(7);
    for (int i = 0; i < 1000; i++) {
      long value = random.nextLong();
      long seed = random.nextLong();
      byte[] bytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
      assertThat(XxHash64.hashLong(value, seed)).isEqualTo(XxHash64.hash(bytes, seed));
    }
  }

  @Test
  void hash_offsetAndLength_hashOnlyThatSlice() {
    byte[] padded = "xxNobody inspects the spammish repetitionyy".getBytes(StandardCharsets.UTF_8);
    assertThat(XxHash64.hash(padded, 2, padded.length - 4, 0)).isEqualTo(0xfbcea83c8a378bf1L);
  }
}
