package io.imgcdn.bench.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class MarkdownTableTest {

  @Test
  void render_textLeftNumbersRight_padded() {
    String t = new MarkdownTable("<name", "value").row("lru", "30.9%").row("a|b", 7).render();

    assertThat(t)
        .isEqualTo(
            """
            | name | value |
            | :--- | ----: |
            | lru  | 30.9% |
            | a\\|b |     7 |
            """);
  }

  @Test
  void row_wrongCellCount_throws() {
    assertThatThrownBy(() -> new MarkdownTable("<a", "b").row("x"))
        .hasMessageContaining("cells: 1 [x] (expected: 2)");
  }

  @Test
  void bytesAndPercent_formatted() {
    assertThat(MarkdownTable.bytes(512)).isEqualTo("512 B");
    assertThat(MarkdownTable.bytes(23_500_000)).isEqualTo("22.4 MiB");
    assertThat(MarkdownTable.percent(0.4182)).isEqualTo("41.8%");
  }
}
