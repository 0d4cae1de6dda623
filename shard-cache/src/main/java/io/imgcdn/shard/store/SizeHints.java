package io.imgcdn.shard.store;

/**
 * The encoded size of recently read or written inline values, by key hash, so that a read can go
 * straight into the caller's buffer instead of through a scratch buffer. Lossy and thread-safe
 * without locks.
 */
final class SizeHints {

  /*
   * Why. RocksDB copies a value out of its block into the buffer a get is given and returns the value's
   * full size; a buffer that is too small gets a prefix only. Without knowing the size beforehand the store
   * read every cold hit into a thread-local scratch buffer and copied it once more into the caller's pooled
   * buffer (60 KiB per typical hit). With an exact size the get fills the caller's buffer itself.
   *
   * How. A direct-mapped table of ints, one per slot: the low 21 bits hold the size (an inline value is at
   * most 1 MiB of body plus its header, under 2 MiB), the high 11 bits a tag from other bits of the key
   * hash, 0 an empty slot (no value is 0 bytes long). A slot keeps the last key hashed to it; int reads and
   * writes are atomic, so a racing reader sees an old or a new entry, never a torn one. A hint can be wrong
   * (another key with the same slot and tag, a value replaced meanwhile, a slot overwritten): the get then
   * returns a size different from the hint and the caller reads again through its scratch buffer. So a
   * hint only ever costs one extra read, and every byte served is still verified by ValueCodec.
   *
   * Size: two slots per expected object, at most 2^22 slots (16 MiB, for stores over ~120 GiB of 60 KiB
   * objects; beyond that fewer keys have a hint and more reads take the scratch buffer).
   */

  static final int MAX_SIZE = (1 << 21) - 1;
  private static final int MAX_SLOTS = 1 << 22;
  private static final int MIN_SLOTS = 1 << 10;

  private final int[] slots;
  private final int mask;

  /**
   * @param expectedKeys about how many keys the store holds
   */
  SizeHints(long expectedKeys) {
    if (expectedKeys < 1) {
      throw new IllegalArgumentException("expectedKeys: " + expectedKeys + " (expected: >= 1)");
    }
    long wanted = Math.clamp(2 * expectedKeys, MIN_SLOTS, MAX_SLOTS);
    int n = Integer.highestOneBit((int) wanted);
    n = n < wanted ? n << 1 : n;
    slots = new int[n];
    mask = n - 1;
  }

  /** The size last recorded for the key with this hash, or 0 when there is none. */
  int get(long keyHash) {
    int entry = slots[index(keyHash)];
    return entry != 0 && (entry >>> 21) == tag(keyHash) ? entry & MAX_SIZE : 0;
  }

  /** Records {@code size} for the key; a size outside 1..{@link #MAX_SIZE} forgets it instead. */
  void put(long keyHash, int size) {
    if (size <= 0 || size > MAX_SIZE) {
      remove(keyHash);
      return;
    }
    slots[index(keyHash)] = tag(keyHash) << 21 | size;
  }

  /** Forgets the key's size (if its slot holds it). */
  void remove(long keyHash) {
    int i = index(keyHash);
    int entry = slots[i];
    if (entry != 0 && (entry >>> 21) == tag(keyHash)) {
      slots[i] = 0;
    }
  }

  /** Number of slots; for tests. */
  int capacity() {
    return slots.length;
  }

  private int index(long keyHash) {
    return (int) keyHash & mask;
  }

  private static int tag(long keyHash) {
    return (int)
        (keyHash >>> 53); // 11 bits, apart from the index's low bits and the stripe's bits 40..49
  }
}
