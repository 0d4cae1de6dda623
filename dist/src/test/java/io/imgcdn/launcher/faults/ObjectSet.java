package io.imgcdn.launcher.faults;

import io.imgcdn.s3embedded.EmbeddedS3;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Objects a fault test puts into S3 and loads through the edge: originals of pseudo-random bytes
 * (fixed seed) under {@code /<prefix>/k<i>.bin}, each with the CRC32C its body must come back with.
 */
final class ObjectSet implements ZipfLoad.Keys {
  private final String prefix;
  private final byte[][] bodies;
  private final long[] crcs;

  private ObjectSet(String prefix, byte[][] bodies) {
    this.prefix = prefix;
    this.bodies = bodies;
    this.crcs = new long[bodies.length];
    for (int i = 0; i < bodies.length; i++) {
      crcs[i] = ZipfLoad.crc(bodies[i]);
    }
  }

  /** Makes {@code count} objects of 2-40 KB (21 KB on average) and stores them in {@code s3}. */
  static ObjectSet put(EmbeddedS3 s3, String prefix, int count, long seed) {
    return put(s3, prefix, count, seed, 2 * 1024, 40 * 1024);
  }

  /**
   * Makes {@code count} objects of {@code minBytes} to {@code maxBytes} and stores them in {@code
   * s3}.
   */
  static ObjectSet put(
      EmbeddedS3 s3, String prefix, int count, long seed, int minBytes, int maxBytes) {
    SplittableRandom random = new SplittableRandom(seed);
    byte[][] bodies = new byte[count][];
    for (int i = 0; i < count; i++) {
      bodies[i] = new byte[random.nextInt(minBytes, maxBytes)];
      random.nextBytes(bodies[i]);
    }
    // Each put writes a file and its extended attributes: a few ms, so two at a time.
    IntStream.range(0, count)
        .parallel()
        .forEach(i -> s3.put(prefix + "/k" + i + ".bin", bodies[i], "application/octet-stream"));
    return new ObjectSet(prefix, bodies);
  }

  @Override
  public int size() {
    return bodies.length;
  }

  @Override
  public String path(int key) {
    return "/" + prefix + "/k" + key + ".bin";
  }

  @Override
  public long crc(int key) {
    return crcs[key];
  }

  byte[] body(int key) {
    return bodies[key];
  }

  long totalBytes() {
    long total = 0;
    for (byte[] b : bodies) {
      total += b.length;
    }
    return total;
  }
}
