package io.imgcdn.bench.workload;

import com.google.common.hash.Hashing;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import javax.imageio.ImageIO;

/**
 * Makes the bytes of originals: valid JPEGs of given dimensions and an exact byte size, from (seed,
 * key).
 */
final class JpegBodies {

  /*
   * Object bytes must be real images (origin-thumb decodes them to make variants) of an exact size (the
   * trace says how many bytes /{key} returns), cheap to make for 20,000+ objects and deterministic.
   *
   * So: encode one JPEG per distinct (width, height) with ImageIO (a diagonal two-colour gradient; it
   * compresses to about 0.016 bytes per pixel plus 620 bytes of tables, well under the model's 0.2),
   * cache it, and pad each object up to its size with COM (comment) segments [1, B.2.4.5] of
   * pseudo-random bytes drawn from (seed, key), inserted after the JFIF APP0 segment. Decoders skip COM
   * segments, so the image decodes at its full dimensions (a thumbnailer does real work on it) while
   * every object has its own bytes (and so its own ETag).
   *
   * A COM segment is 4 bytes of marker and length plus 0..65533 bytes of payload, so padding of 1..3
   * bytes is impossible; then we drop the optional 18-byte JFIF APP0 segment and pad 19..21 bytes
   * instead. If the gradient JPEG is too big for the size (only for sizes near the floor) the
   * dimensions are halved until it fits. ImageIO's encoder output is stable for a given JDK; the sizes
   * are exact on any JDK.
   *
   * [1] ITU-T T.81 (JPEG), Annex B.
   */

  private static final int COM_MAX_TOTAL = 65533 + 4;

  private final long seed;
  private final ConcurrentHashMap<ImageDims, byte[]> gradients = new ConcurrentHashMap<>();

  JpegBodies(long seed) {
    this.seed = seed;
  }

  byte[] body(String key, ImageDims dims, int size) {
    byte[] base = gradient(dims);
    ImageDims d = dims;
    while (!fits(base, size)) {
      if (d.width() <= 8 && d.height() <= 8) {
        throw new IllegalArgumentException(
            "size of "
                + key
                + ": "
                + size
                + " (expected: >= "
                + (base.length + 4)
                + ", the smallest JPEG we make)");
      }
      d = new ImageDims(Math.max(8, d.width() / 2), Math.max(8, d.height() / 2));
      base = gradient(d);
    }
    int padding = size - base.length;
    if (padding == 0) {
      return base.clone();
    }
    boolean hasApp0 = hasApp0(base);
    int app0Length = hasApp0 ? 2 + ((base[4] & 0xFF) << 8 | (base[5] & 0xFF)) : 0;
    int keepFrom;
    int insertAt;
    if (padding < 4) {
      padding += app0Length;
      insertAt = 2;
      keepFrom = 2 + app0Length;
    } else {
      insertAt = 2 + app0Length;
      keepFrom = insertAt;
    }
    byte[] out = new byte[size];
    System.arraycopy(base, 0, out, 0, insertAt);
    SplittableRandom rng =
        new SplittableRandom(
            Workload.mix64(seed)
                ^ Hashing.murmur3_128().hashString(key, StandardCharsets.UTF_8).asLong());
    int pos = insertAt;
    int left = padding;
    while (left > 0) {
      int segment = Math.min(left, COM_MAX_TOTAL);
      if (left - segment > 0 && left - segment < 4) {
        segment -= 4;
      }
      int payload = segment - 4;
      out[pos] = (byte) 0xFF;
      out[pos + 1] = (byte) 0xFE;
      out[pos + 2] = (byte) ((payload + 2) >>> 8);
      out[pos + 3] = (byte) (payload + 2);
      for (int i = 0; i < payload; i++) {
        out[pos + 4 + i] = (byte) rng.nextInt();
      }
      pos += segment;
      left -= segment;
    }
    System.arraycopy(base, keepFrom, out, pos, base.length - keepFrom);
    return out;
  }

  /**
   * Whether {@code base} can be padded to {@code size}: by COM segments, or by dropping APP0 and
   * padding more.
   */
  private static boolean fits(byte[] base, int size) {
    int padding = size - base.length;
    return padding == 0 || padding >= 4 || (padding > 0 && hasApp0(base));
  }

  private static boolean hasApp0(byte[] jpeg) {
    return (jpeg[2] & 0xFF) == 0xFF && (jpeg[3] & 0xFF) == 0xE0;
  }

  /** The size of the unpadded JPEG for {@code dims}. */
  int gradientSize(ImageDims dims) {
    return gradient(dims).length;
  }

  private byte[] gradient(ImageDims dims) {
    return gradients.computeIfAbsent(dims, JpegBodies::encodeGradient);
  }

  private static byte[] encodeGradient(ImageDims dims) {
    BufferedImage image =
        new BufferedImage(dims.width(), dims.height(), BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      int h = dims.hashCode();
      Color from = new Color(80 + (h & 0x7F), 60 + (h >>> 8 & 0x7F), 40 + (h >>> 16 & 0x7F));
      Color to = new Color(40 + (h >>> 4 & 0x7F), 70 + (h >>> 12 & 0x7F), 120 + (h >>> 20 & 0x7F));
      g.setPaint(new GradientPaint(0, 0, from, dims.width(), dims.height(), to));
      g.fillRect(0, 0, dims.width(), dims.height());
    } finally {
      g.dispose();
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, "jpg", out)) {
        throw new IllegalStateException("ImageIO has no JPEG writer");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
