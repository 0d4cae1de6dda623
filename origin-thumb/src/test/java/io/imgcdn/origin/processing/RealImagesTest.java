package io.imgcdn.origin.processing;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.origin.options.VariantSpec;
import io.imgcdn.origin.security.ImageLimits;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Both engines on real photographs from Debian packages and files derived from them (see
 * src/test/resources/images/SOURCES.md): same sizes, and colours within a stated distance of an
 * upright sRGB reference rendered by the same engine.
 */
class RealImagesTest {

  static Stream<ImageEngine> engines() {
    return ImageEngineContractTest.engines();
  }

  static byte[] resource(String name) {
    try (InputStream in = RealImagesTest.class.getResourceAsStream("/images/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing test image " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static Thumbnail render(ImageEngine engine, String name, String options)
      throws ImageProcessingException {
    return engine.render(
        resource(name),
        VariantSpec.parse(options),
        ImageLimits.defaults(),
        Instant.now().plusSeconds(30));
  }

  /**
   * Mean absolute difference per RGB channel (0..255) of two equally sized images, both first
   * composited onto white (so transparent pixels compare by what a viewer sees).
   */
  static double meanDifference(BufferedImage a0, BufferedImage b0) {
    BufferedImage a = onWhite(a0);
    BufferedImage b = onWhite(b0);
    assertThat(new int[] {a.getWidth(), a.getHeight()})
        .containsExactly(b.getWidth(), b.getHeight());
    long sum = 0;
    for (int y = 0; y < a.getHeight(); y++) {
      for (int x = 0; x < a.getWidth(); x++) {
        int p = a.getRGB(x, y);
        int q = b.getRGB(x, y);
        for (int shift = 0; shift <= 16; shift += 8) {
          sum += Math.abs(((p >> shift) & 0xFF) - ((q >> shift) & 0xFF));
        }
      }
    }
    return sum / (3.0 * a.getWidth() * a.getHeight());
  }

  static BufferedImage onWhite(BufferedImage image) {
    BufferedImage rgb =
        new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_INT_RGB);
    java.awt.Graphics2D g = rgb.createGraphics();
    g.setColor(java.awt.Color.WHITE);
    g.fillRect(0, 0, rgb.getWidth(), rgb.getHeight());
    g.drawImage(image, 0, 0, null);
    g.dispose();
    return rgb;
  }

  static BufferedImage reference(ImageEngine engine) throws ImageProcessingException {
    return TestImages.decode(render(engine, "chelsea.jpg", "w=150").bytes());
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_realPhotos_expectedSizes(ImageEngine engine) throws Exception {
    Thumbnail rocket = render(engine, "rocket.jpg", "w=150");
    assertThat(new int[] {rocket.width(), rocket.height()}).containsExactly(150, 100);
    Thumbnail progressive = render(engine, "progressive.jpg", "w=300");
    BufferedImage decoded = TestImages.decode(progressive.bytes());
    assertThat(new int[] {decoded.getWidth(), decoded.getHeight()}).containsExactly(300, 226);
    Thumbnail square = render(engine, "progressive.jpg", "w=240,h=240,fit=cover,f=png");
    assertThat(new int[] {square.width(), square.height()}).containsExactly(240, 240);
  }

  static Stream<Arguments> orientations() {
    return engines().flatMap(e -> IntStream.rangeClosed(2, 8).mapToObj(n -> Arguments.of(e, n)));
  }

  @ParameterizedTest(name = "{0} orientation {1}")
  @MethodSource("orientations")
  void render_exifOrientation_appliedUpright(ImageEngine engine, int orientation) throws Exception {
    BufferedImage reference = reference(engine);
    Thumbnail t = render(engine, "chelsea-orientation-" + orientation + ".jpg", "w=150");
    assertThat(new int[] {t.width(), t.height()}).containsExactly(150, 100);
    assertThat(meanDifference(TestImages.decode(t.bytes()), reference)).isLessThan(6);
  }

  @ParameterizedTest
  @MethodSource("engines")
  void orientationTest_isSensitive_mirrorDiffersFromReference(ImageEngine engine) throws Exception {
    BufferedImage reference = reference(engine);
    BufferedImage mirrored = new BufferedImage(150, 100, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < 100; y++) {
      for (int x = 0; x < 150; x++) {
        mirrored.setRGB(149 - x, y, reference.getRGB(x, y));
      }
    }
    assertThat(meanDifference(mirrored, reference)).isGreaterThan(15);
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_cmykAndYcckJpeg_colourCloseToRgbOriginal(ImageEngine engine) throws Exception {
    BufferedImage reference = reference(engine);
    for (String name : new String[] {"chelsea-cmyk.jpg", "chelsea-ycck.jpg"}) {
      BufferedImage out = TestImages.decode(render(engine, name, "w=150").bytes());
      // No embedded profile: each engine interprets the inks with its own fallback CMYK profile,
      // so colours shift a little; swapped or inverted channels differ by 100+.
      assertThat(meanDifference(out, reference)).as(name).isLessThan(30);
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_sixteenBitAndPalettePng_closeToReference(ImageEngine engine) throws Exception {
    BufferedImage reference = reference(engine);
    BufferedImage sixteen = TestImages.decode(render(engine, "chelsea-16bit.png", "w=150").bytes());
    assertThat(meanDifference(sixteen, reference)).isLessThan(4);
    BufferedImage palette =
        TestImages.decode(render(engine, "chelsea-palette.png", "w=150").bytes());
    assertThat(meanDifference(palette, reference)).isLessThan(8);
    Thumbnail tiny = render(engine, "palette-tiny.png", "w=5,f=png");
    assertThat(new int[] {tiny.width(), tiny.height()}).containsExactly(5, 5);
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_iccProPhotoJpeg_convertedToSrgb(ImageEngine engine) throws Exception {
    BufferedImage reference = reference(engine);
    BufferedImage out = TestImages.decode(render(engine, "chelsea-prophoto.jpg", "w=150").bytes());
    assertThat(meanDifference(out, reference)).isLessThan(6);
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_iccProPhotoPng_convertedToSrgb(ImageEngine engine) throws Exception {
    BufferedImage reference = reference(engine);
    BufferedImage out = TestImages.decode(render(engine, "chelsea-prophoto.png", "w=150").bytes());
    assertThat(meanDifference(out, reference)).isLessThan(6);
  }

  @ParameterizedTest
  @MethodSource("engines")
  void iccTest_isSensitive_rawProPhotoSamplesDiffer(ImageEngine engine) throws Exception {
    Raster raw = readRaster("chelsea-prophoto.jpg");
    Raster srgb = readRaster("chelsea.jpg");
    long sum = 0;
    for (int y = 0; y < raw.getHeight(); y++) {
      for (int x = 0; x < raw.getWidth(); x++) {
        sum += Math.abs(raw.getSample(x, y, 0) - srgb.getSample(x, y, 0));
      }
    }
    // Stored ProPhoto values are far from the sRGB ones: ignoring the profile would fail the test
    // above.
    assertThat(sum / (double) (raw.getWidth() * raw.getHeight())).isGreaterThan(15);
  }

  private static Raster readRaster(String name) throws IOException {
    try (ImageInputStream in =
        ImageIO.createImageInputStream(new java.io.ByteArrayInputStream(resource(name)))) {
      ImageReader reader = ImageIO.getImageReaders(in).next();
      reader.setInput(in);
      // Y of YCbCr: compare luma planes of the raw (unconverted) samples.
      return reader.readRaster(0, null);
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_animatedGif_firstFrame(ImageEngine engine) throws Exception {
    Thumbnail t = render(engine, "animated.gif", "w=14,f=png");
    assertThat(new int[] {t.width(), t.height()}).containsExactly(14, 25);
    BufferedImage first = ImageIO.read(new java.io.ByteArrayInputStream(resource("animated.gif")));
    assertThat(meanDifference(TestImages.decode(t.bytes()), first)).isLessThan(2);
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_animatedGifOverFrameLimit_422(ImageEngine engine) {
    ImageLimits limits = new ImageLimits(1 << 20, 1_000_000, 1000, 10);
    try {
      engine.render(
          resource("animated.gif"),
          VariantSpec.parse("w=10"),
          limits,
          Instant.now().plusSeconds(5));
      throw new AssertionError("rendered a 24-frame GIF with maxFrames 10");
    } catch (ImageProcessingException e) {
      assertThat(e.status()).isEqualTo(422);
      assertThat(e.publicMessage()).isEqualTo("Source has 24 frames (limit: 10)");
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_realTruncatedJpeg_422(ImageEngine engine) {
    try {
      Thumbnail t = render(engine, "truncated.jpg", "w=50");
      throw new AssertionError("rendered a truncated JPEG: " + t);
    } catch (ImageProcessingException e) {
      assertThat(e.status()).isEqualTo(422);
    }
  }
}
