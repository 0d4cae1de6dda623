package io.imgcdn.origin.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.imgcdn.origin.options.VariantSpec;
import io.imgcdn.origin.security.ImageLimits;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One policy for damaged sources, the same for both engines (docs/ORIGIN.md): a source with missing
 * or damaged pixel data is refused with 422 naming the problem, never served as a degraded picture.
 * The damaged files are made here from good ones (cut short, bytes flipped).
 */
class DamagedSourceTest {

  /** File, options and the status every engine must give. */
  private static final Map<String, Integer> EXPECTED =
      Map.ofEntries(
          Map.entry("truncated progressive JPEG", 422),
          Map.entry("truncated baseline JPEG", 422),
          Map.entry("truncated CMYK JPEG", 422),
          Map.entry("JPEG with damaged entropy-coded data", 422),
          Map.entry("JPEG with extraneous bytes before EOI", 200),
          Map.entry("PNG with bad zlib data", 422),
          Map.entry("PNG with a bad IDAT CRC", 422),
          Map.entry("truncated PNG", 422),
          Map.entry("GIF with damaged LZW data", 422),
          Map.entry("truncated GIF", 422),
          Map.entry("truncated animated GIF", 422));

  private static final Map<String, Supplier<byte[]>> FILES =
      Map.ofEntries(
          Map.entry(
              "truncated progressive JPEG",
              () -> cut(RealImagesTest.resource("chelsea-progressive.jpg"), 0.6)),
          Map.entry("truncated baseline JPEG", () -> cut(TestImages.jpeg(300, 200), 0.6)),
          Map.entry(
              "truncated CMYK JPEG", () -> cut(RealImagesTest.resource("chelsea-cmyk.jpg"), 0.6)),
          Map.entry("JPEG with damaged entropy-coded data", DamagedSourceTest::jpegFlipped),
          Map.entry("JPEG with extraneous bytes before EOI", DamagedSourceTest::jpegExtraneous),
          Map.entry("PNG with bad zlib data", DamagedSourceTest::pngBadZlib),
          Map.entry("PNG with a bad IDAT CRC", DamagedSourceTest::pngBadCrc),
          Map.entry("truncated PNG", () -> cut(TestImages.png(300, 200), 0.5)),
          Map.entry("GIF with damaged LZW data", DamagedSourceTest::gifFlipped),
          Map.entry("truncated GIF", () -> cut(gif(), 0.5)),
          Map.entry(
              "truncated animated GIF", () -> cut(RealImagesTest.resource("animated.gif"), 0.66)));

  static Stream<Arguments> cases() {
    return ImageEngineContractTest.engines()
        .flatMap(engine -> EXPECTED.keySet().stream().sorted().map(f -> Arguments.of(engine, f)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void render_damagedSource_expectedStatus(ImageEngine engine, String file) {
    byte[] source = FILES.get(file).get();
    int expected = EXPECTED.get(file);
    // w=150: a shrink-on-load of 1/2 at most for these sources. At 1/4 and more libjpeg (through
    // libvips) decodes past damaged entropy-coded data without a warning (docs/ORIGIN.md).
    VariantSpec spec = VariantSpec.parse("w=150");
    int status =
        assertTimeoutPreemptively(
            Duration.ofSeconds(20),
            () -> {
              try {
                engine.render(source, spec, ImageLimits.defaults(), Instant.now().plusSeconds(15));
                return 200;
              } catch (ImageProcessingException e) {
                assertThat(e.publicMessage())
                    .as(e.getMessage())
                    .startsWith("Image is corrupt or truncated: ")
                    .hasSizeGreaterThan("Image is corrupt or truncated: ".length() + 5);
                return e.status();
              }
            });
    assertThat(status).as(engine.name() + " on a " + file).isEqualTo(expected);
  }

  private static byte[] cut(byte[] good, double fraction) {
    return Arrays.copyOf(good, (int) (good.length * fraction));
  }

  private static byte[] jpegFlipped() {
    byte[] jpeg = TestImages.jpeg(300, 200);
    for (int i = 0; i < 30; i++) {
      int at = jpeg.length / 2 + i * 7;
      if ((jpeg[at] & 0xFF) != 0xFF) {
        jpeg[at] ^= 0x33;
      }
    }
    return jpeg;
  }

  /** Three stray bytes before the EOI marker: libjpeg warns, no pixel is missing. */
  private static byte[] jpegExtraneous() {
    byte[] jpeg = TestImages.jpeg(300, 200);
    byte[] out = Arrays.copyOf(jpeg, jpeg.length + 3);
    out[jpeg.length - 2] = 1;
    out[jpeg.length - 1] = 2;
    out[jpeg.length] = 3;
    out[jpeg.length + 1] = (byte) 0xFF;
    out[jpeg.length + 2] = (byte) 0xD9;
    return out;
  }

  private static byte[] pngBadZlib() {
    byte[] png = TestImages.png(300, 200);
    int idat = chunk(png, "IDAT");
    int length = ByteBuffer.wrap(png, idat, 4).getInt();
    for (int i = 0; i < 16; i++) {
      png[idat + 8 + length / 2 + i] ^= 0x5A;
    }
    fixCrc(png, idat); // the CRC is right: only the deflate stream is damaged
    return png;
  }

  private static byte[] pngBadCrc() {
    byte[] png = TestImages.png(300, 200);
    int idat = chunk(png, "IDAT");
    int length = ByteBuffer.wrap(png, idat, 4).getInt();
    png[idat + 8 + length] ^= 0x01;
    return png;
  }

  private static byte[] gif() {
    return TestImages.encode(TestImages.picture(300, 200, BufferedImage.TYPE_INT_RGB), "gif");
  }

  private static byte[] gifFlipped() {
    byte[] gif = gif();
    Random random = new Random(7);
    for (int i = 0; i < 40; i++) {
      gif[gif.length / 3 + random.nextInt(gif.length / 2)] = (byte) random.nextInt();
    }
    return gif;
  }

  private static int chunk(byte[] png, String type) {
    int at = 8;
    while (at + 8 <= png.length) {
      int length = ByteBuffer.wrap(png, at, 4).getInt();
      if (new String(png, at + 4, 4, java.nio.charset.StandardCharsets.US_ASCII).equals(type)) {
        return at;
      }
      at += 12 + length;
    }
    throw new IllegalStateException("no " + type + " chunk");
  }

  private static void fixCrc(byte[] png, int at) {
    int length = ByteBuffer.wrap(png, at, 4).getInt();
    CRC32 crc = new CRC32();
    crc.update(png, at + 4, 4 + length);
    ByteBuffer.wrap(png, at + 8 + length, 4).putInt((int) crc.getValue());
  }
}
