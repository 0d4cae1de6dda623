package io.imgcdn.hashring;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

/**
 * A fixed sample of URL-like keys, hashed once per key hash function, shared by the property tests.
 */
final class Keys {

  static final int COUNT = 20_000;

  private static final long[] XX = new long[COUNT];
  private static final long[] NGINX = new long[COUNT];

  static {
    SplittableRandom random = new SplittableRandom(20_240_102);
    java.util.zip.CRC32 crc = new java.util.zip.CRC32();
    for (int i = 0; i < COUNT; i++) {
      byte[] key = url(random).getBytes(StandardCharsets.UTF_8);
      XX[i] = XxHash64.hash(key, 0);
      crc.reset();
      crc.update(key);
      NGINX[i] = Ring.nginxPoint(crc.getValue());
    }
  }

  private Keys() {}

  /** A 55-65 byte picture URL like the ones edges hash. */
  static String url(SplittableRandom random) {
    return String.format(
        "/v/w%d/img/2024/%02d/%02d/%02d/%02d/%09d_p%d.jpg",
        150 * (1 + random.nextInt(8)),
        1 + random.nextInt(12),
        1 + random.nextInt(28),
        random.nextInt(24),
        random.nextInt(60),
        random.nextInt(1_000_000_000),
        random.nextInt(4));
  }

  /** The first {@code count} key hashes as {@code placement} hashes keys. */
  static long[] hashes(Placement placement, int count) {
    long[] all = placement == Placement.NGINX ? NGINX : XX;
    return count == COUNT ? all : java.util.Arrays.copyOf(all, count);
  }
}
