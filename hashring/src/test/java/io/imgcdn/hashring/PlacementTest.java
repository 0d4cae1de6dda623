package io.imgcdn.hashring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class PlacementTest {

  @Test
  void parse_anyCase_findsThePlacement() {
    for (Placement p : Placement.values()) {
      assertThat(Placement.parse(p.name().toLowerCase(java.util.Locale.ROOT))).isSameAs(p);
      assertThat(Placement.parse(" " + p.name() + " ")).isSameAs(p);
    }
    assertThat(Placement.parse("Ketama")).isSameAs(Placement.KETAMA);
  }

  @Test
  void parse_unknownValue_namesTheValueAndTheAcceptedOnes() {
    assertThatThrownBy(() -> Placement.parse("consistent-ish"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("placement: \"consistent-ish\" (expected one of: ketama");
  }
}
