package io.imgcdn.shard.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogSafeTest {
  @Test
  void key_controlSeparators_escaped() {
    assertThat(LogSafe.key("img/a.jpg\u0001/v/w150/img/a.jpg\u0002webp"))
        .isEqualTo("img/a.jpg\\u0001/v/w150/img/a.jpg\\u0002webp");
    assertThat(LogSafe.key("nul\u0000tab\t")).isEqualTo("nul\\u0000tab\\u0009");
  }

  @Test
  void key_printable_sameString() {
    String key = "img/ü ok.jpg";
    assertThat(LogSafe.key(key)).isSameAs(key);
  }
}
