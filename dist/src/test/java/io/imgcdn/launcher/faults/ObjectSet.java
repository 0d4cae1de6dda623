package io.imgcdn.launcher.faults;

import io.imgcdn.s3embedded.EmbeddedS3;
import java.util.SplittableRandom;

/**
 * Objects a fault test puts into S3 and loads through the edge: {@code count} originals of pseudo-random
 * bytes (2-40 KB, fixed seed) under {@code /f/k<i>.bin}, each with the CRC32C its body must come back with.
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

  /** Makes the objects and stores them in {@code s3}. */
  static ObjectSet put(EmbeddedS3 s3, String prefix, int count, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    byte[][] bodies = new byte[count][];
    for (int i = 0; i < count; i++) {
      bodies[i] = new byte[random.nextInt(2 * 1024, 40 * 1024)];
      random.nextBytes(bodies[i]);
      s3.put(prefix + "/k" + i + ".bin", bodies[i], "application/octet-stream");
    }
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
