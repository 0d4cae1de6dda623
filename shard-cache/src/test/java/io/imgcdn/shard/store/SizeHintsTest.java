package io.imgcdn.shard.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;

class SizeHintsTest {

  private static final long KEY = 0x1234_5678_9ABC_DEF1L;

  @Test
  void get_afterPut_returnsTheSize() {
    SizeHints hints = new SizeHints(100);
    hints.put(KEY, 61_500);

    assertThat(hints.get(KEY)).isEqualTo(61_500);
  }

  @Test
  void get_otherKeyInTheSameSlot_returnsNone() {
    SizeHints hints = new SizeHints(100);
    hints.put(KEY, 61_500);

    // Same low bits (slot), another tag in the high bits.
    assertThat(hints.get(KEY ^ (1L << 60))).isZero();
  }

  @Test
  void put_sizeAboveMaximumOrZero_forgetsTheKey() {
    SizeHints hints = new SizeHints(100);
    hints.put(KEY, 1000);
    hints.put(KEY, SizeHints.MAX_SIZE + 1);
    assertThat(hints.get(KEY)).isZero();

    hints.put(KEY, 1000);
    hints.put(KEY, 0);
    assertThat(hints.get(KEY)).isZero();
  }

  @Test
  void remove_otherKeysEntry_keepsIt() {
    SizeHints hints = new SizeHints(100);
    hints.put(KEY, 1000);

    hints.remove(KEY ^ (1L << 60));
    assertThat(hints.get(KEY)).isEqualTo(1000);
    hints.remove(KEY);
    assertThat(hints.get(KEY)).isZero();
  }

  @Test
  void capacity_twiceTheKeysRoundedToAPowerOfTwoWithinBounds() {
    assertThat(new SizeHints(1).capacity()).isEqualTo(1 << 10);
    assertThat(new SizeHints(3_000).capacity()).isEqualTo(1 << 13);
    assertThat(new SizeHints(1L << 40).capacity()).isEqualTo(1 << 22);
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new SizeHints(0))
        .withMessageContaining("expectedKeys: 0");
  }
}
