package io.imgcdn.origin.processing;

import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;

/** Generated test images and hand-crafted hostile files. */
final class TestImages {

  private TestImages() {}

  /** A deterministic picture: a diagonal gradient plus coloured blocks and some noise. */
  static BufferedImage picture(int width, int height, int type) {
    BufferedImage image = new BufferedImage(width, height, type);
    Graphics2D g = image.createGraphics();
    g.setPaint(
        new GradientPaint(0, 0, new Color(30, 90, 200), width, height, new Color(250, 200, 40)));
    g.fillRect(0, 0, width, height);
    g.setColor(new Color(200, 30, 30));
    g.fillRect(width / 8, height / 8, width / 4, height / 4);
    g.dispose();
    Random random = new Random(42);
    for (int i = 0; i < width * height / 50; i++) {
      image.setRGB(random.nextInt(width), random.nextInt(height), random.nextInt() | 0xFF000000);
    }
    return image;
  }

  static byte[] encode(BufferedImage image, String format) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(image, format, out)) {
        throw new IllegalStateException("no " + format + " writer for type " + image.getType());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  static byte[] jpeg(int width, int height) {
    return encode(picture(width, height, BufferedImage.TYPE_INT_RGB), "jpeg");
  }

  static byte[] png(int width, int height) {
    return encode(picture(width, height, BufferedImage.TYPE_INT_RGB), "png");
  }

  /**
   * A flat grey 400x200 PNG whose subject, a busy red-and-yellow checkerboard, fills the right
   * quarter (x 300..399): a centred square cover crop misses it entirely.
   */
  static byte[] subjectOnTheRight() {
    BufferedImage image = new BufferedImage(400, 200, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 200; y++) {
      for (int x = 0; x < 400; x++) {
        boolean subject = x >= 300;
        boolean light = ((x / 4) + (y / 4)) % 2 == 0;
        image.setRGB(x, y, !subject ? 0x808080 : light ? 0xFFE000 : 0xE00000);
      }
    }
    return encode(image, "png");
  }

  /** A PNG whose left half is fully transparent and right half opaque red. */
  static byte[] halfTransparentPng(int width, int height) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_ARGB);
    for (int y = 0; y < height; y++) {
      for (int x = width / 2; x < width; x++) {
        image.setRGB(x, y, 0xFFFF0000);
      }
    }
    return encode(image, "png");
  }

  static BufferedImage decode(byte[] bytes) {
    try (InputStream in = new ByteArrayInputStream(bytes)) {
      BufferedImage image = ImageIO.read(in);
      if (image == null) {
        throw new IllegalStateException("not decodable: " + bytes.length + " bytes");
      }
      return image;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A PNG bomb: a valid signature and IHDR declaring {@code width x height} RGB, followed by an
   * IDAT of deflated zero rows for only the first few rows. About 100 bytes; decoding it in full
   * would need width * height * 3 bytes.
   */
  static byte[] pngBomb(int width, int height) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    ByteBuffer ihdr =
        ByteBuffer.allocate(13)
            .putInt(width)
            .putInt(height)
            .put((byte) 8)
            .put((byte) 2)
            .put((byte) 0)
            .put((byte) 0)
            .put((byte) 0);
    chunk(out, "IHDR", ihdr.array());
    Deflater deflater = new Deflater(9);
    deflater.setInput(new byte[Math.min(width * 3 + 1, 1 << 20)]);
    deflater.finish();
    byte[] buf = new byte[1 << 16];
    int n = deflater.deflate(buf);
    deflater.end();
    chunk(out, "IDAT", java.util.Arrays.copyOf(buf, n));
    chunk(out, "IEND", new byte[0]);
    return out.toByteArray();
  }

  private static void chunk(ByteArrayOutputStream out, String type, byte[] data) {
    byte[] typeBytes = type.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    out.writeBytes(ByteBuffer.allocate(4).putInt(data.length).array());
    out.writeBytes(typeBytes);
    out.writeBytes(data);
    CRC32 crc = new CRC32();
    crc.update(typeBytes);
    crc.update(data);
    out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
  }

  /** A JPEG bomb: a real 16x16 JPEG whose SOF marker is patched to declare the given size. */
  static byte[] jpegBomb(int width, int height) {
    byte[] jpeg = jpeg(16, 16);
    for (int i = 2; i + 9 < jpeg.length; i++) {
      int marker = jpeg[i + 1] & 0xFF;
      if ((jpeg[i] & 0xFF) == 0xFF && (marker == 0xC0 || marker == 0xC2)) {
        // FFC0 len(2) precision(1) height(2) width(2)
        jpeg[i + 5] = (byte) (height >> 8);
        jpeg[i + 6] = (byte) height;
        jpeg[i + 7] = (byte) (width >> 8);
        jpeg[i + 8] = (byte) width;
        return jpeg;
      }
    }
    throw new IllegalStateException("no SOF marker");
  }

  /** A GIF bomb: 35 bytes declaring a width x height screen and frame with almost no data. */
  static byte[] gifBomb(int width, int height) {
    ByteBuffer b = ByteBuffer.allocate(64).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.put("GIF89a".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    b.putShort((short) width).putShort((short) height).put((byte) 0x80).put((byte) 0).put((byte) 0);
    b.put(new byte[] {0, 0, 0, (byte) 255, (byte) 255, (byte) 255}); // 2-colour global table
    b.put((byte) 0x2C)
        .putShort((short) 0)
        .putShort((short) 0)
        .putShort((short) width)
        .putShort((short) height)
        .put((byte) 0);
    b.put((byte) 2).put((byte) 2).put((byte) 0x4C).put((byte) 0x01).put((byte) 0).put((byte) 0x3B);
    return java.util.Arrays.copyOf(b.array(), b.position());
  }
}
