package io.imgcdn.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ByteRangeTest {
  @Test
  void parse_satisfiableForms_clampedToTheObject() {
    assertThat(ByteRange.parse("bytes=0-99", 1000)).isEqualTo(new ByteRange(0, 99));
    assertThat(ByteRange.parse("bytes=900-", 1000)).isEqualTo(new ByteRange(900, 999));
    assertThat(ByteRange.parse("bytes=900-5000", 1000)).isEqualTo(new ByteRange(900, 999));
    assertThat(ByteRange.parse("bytes=-10", 1000)).isEqualTo(new ByteRange(990, 999));
    assertThat(ByteRange.parse("bytes=-5000", 1000)).isEqualTo(new ByteRange(0, 999));
  }

  @Test
  void parse_startAtOrPastTheEnd_unsatisfiable() {
    assertThat(ByteRange.parse("bytes=1000-", 1000)).isSameAs(ByteRange.UNSATISFIABLE);
    assertThat(ByteRange.parse("bytes=5000-6000", 1000)).isSameAs(ByteRange.UNSATISFIABLE);
    assertThat(ByteRange.parse("bytes=-0", 1000)).isSameAs(ByteRange.UNSATISFIABLE);
  }

  @Test
  void parse_invalidOrMultiple_ignored() {
    assertThat(ByteRange.parse("bytes=5-4", 1000)).isNull();
    assertThat(ByteRange.parse("bytes=0-1,5-6", 1000)).isNull();
    assertThat(ByteRange.parse("items=0-1", 1000)).isNull();
    assertThat(ByteRange.parse("bytes=a-b", 1000)).isNull();
  }
}
