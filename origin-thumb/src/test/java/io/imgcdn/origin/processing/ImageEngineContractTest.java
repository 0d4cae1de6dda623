package io.imgcdn.origin.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.imgcdn.origin.options.OutputFormat;
import io.imgcdn.origin.options.VariantSpec;
import io.imgcdn.origin.security.ImageLimits;
import java.awt.image.BufferedImage;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** What every {@link ImageEngine} must do, run against each engine present on this machine. */
class ImageEngineContractTest {

  static Stream<ImageEngine> engines() {
    return Stream.concat(Stream.of(ImageEngines.java()), ImageEngines.libvips().stream());
  }

  private static final ImageLimits LIMITS = ImageLimits.defaults();

  private static Instant soon() {
    return Instant.now().plusSeconds(30);
  }

  private static Thumbnail render(ImageEngine engine, byte[] source, String options)
      throws ImageProcessingException {
    return engine.render(source, VariantSpec.parse(options), LIMITS, soon());
  }

  private static ImageProcessingException failure(
      ImageEngine engine, byte[] source, String options) {
    return assertTimeoutPreemptively(
        Duration.ofSeconds(10),
        () -> {
          try {
            Thumbnail t = render(engine, source, options);
            throw new AssertionError(engine.name() + " rendered " + t + " instead of failing");
          } catch (ImageProcessingException e) {
            return e;
          }
        });
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_jpegWidth150_keepsAspect(ImageEngine engine) throws Exception {
    Thumbnail t = render(engine, TestImages.jpeg(800, 600), "w=150");
    assertThat(t.format()).isEqualTo(OutputFormat.JPEG);
    assertThat(new int[] {t.width(), t.height()}).containsExactly(150, 113);
    BufferedImage decoded = TestImages.decode(t.bytes());
    assertThat(new int[] {decoded.getWidth(), decoded.getHeight()}).containsExactly(150, 113);
    assertThat(Arrays.copyOf(t.bytes(), 2)).containsExactly(0xFF, 0xD8);
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_pngOut_isPng(ImageEngine engine) throws Exception {
    Thumbnail t = render(engine, TestImages.jpeg(640, 480), "w=320,f=png");
    assertThat(t.format()).isEqualTo(OutputFormat.PNG);
    assertThat(new String(t.bytes(), 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
    assertThat(TestImages.decode(t.bytes()).getWidth()).isEqualTo(320);
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_gifOut_isGifEvenFromAlpha(ImageEngine engine) throws Exception {
    for (byte[] source :
        new byte[][] {TestImages.jpeg(640, 480), TestImages.halfTransparentPng(640, 480)}) {
      Thumbnail t = render(engine, source, "w=320,f=gif");
      assertThat(t.format()).isEqualTo(OutputFormat.GIF);
      assertThat(new String(t.bytes(), 0, 4, StandardCharsets.US_ASCII)).isEqualTo("GIF8");
      BufferedImage decoded = TestImages.decode(t.bytes());
      assertThat(new int[] {decoded.getWidth(), decoded.getHeight()}).containsExactly(320, 240);
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_negotiatingSpec_oneOfItsCandidates(ImageEngine engine) throws Exception {
    Thumbnail t = render(engine, TestImages.jpeg(640, 480), "w=320,f=avif:webp:png");
    assertThat(t.format())
        .isEqualTo(
            engine.writableFormats().contains(OutputFormat.AVIF)
                ? OutputFormat.AVIF
                : OutputFormat.PNG);
    assertThat(new int[] {t.width(), t.height()}).containsExactly(320, 240);
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_sourceSmallerThanBox_neverUpscales(ImageEngine engine) throws Exception {
    Thumbnail t = render(engine, TestImages.png(120, 80), "w=600,h=600");
    assertThat(new int[] {t.width(), t.height()}).containsExactly(120, 80);
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_cover_fillsBoxExactly(ImageEngine engine) throws Exception {
    Thumbnail t = render(engine, TestImages.jpeg(900, 400), "w=240,h=240,fit=cover");
    BufferedImage decoded = TestImages.decode(t.bytes());
    assertThat(new int[] {decoded.getWidth(), decoded.getHeight()}).containsExactly(240, 240);
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_alphaToJpeg_flattenedOntoWhite(ImageEngine engine) throws Exception {
    Thumbnail t = render(engine, TestImages.halfTransparentPng(400, 200), "w=200,f=jpeg");
    BufferedImage decoded = TestImages.decode(t.bytes());
    assertThat(decoded.getColorModel().hasAlpha()).isFalse();
    int left = decoded.getRGB(20, 50);
    int right = decoded.getRGB(180, 50);
    assertThat(java.util.Arrays.stream(channels(left)).min().orElseThrow()).isGreaterThan(240);
    assertThat(channels(right)[0]).isGreaterThan(230);
    assertThat(channels(right)[1]).isLessThan(25);
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_alphaToJpegWithBlackBg_blackWhereTransparent(ImageEngine engine) throws Exception {
    // White-on-transparent artwork: on the default white it would vanish; bg=000000 keeps it.
    Thumbnail t = render(engine, TestImages.halfTransparentPng(400, 200), "w=200,bg=000000");
    BufferedImage decoded = TestImages.decode(t.bytes());
    assertThat(java.util.Arrays.stream(channels(decoded.getRGB(20, 50))).max().orElseThrow())
        .isLessThan(15);
    assertThat(channels(decoded.getRGB(180, 50))[0]).isGreaterThan(230);
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_alphaToPng_keepsAlpha(ImageEngine engine) throws Exception {
    Thumbnail t = render(engine, TestImages.halfTransparentPng(400, 200), "w=200,f=png");
    BufferedImage decoded = TestImages.decode(t.bytes());
    assertThat(decoded.getColorModel().hasAlpha()).isTrue();
    assertThat(decoded.getRGB(20, 50) >>> 24).isZero();
    assertThat(decoded.getRGB(180, 50) >>> 24).isEqualTo(255);
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_notAnImage_415(ImageEngine engine) {
    byte[] text = "<html><body>hello</body></html>".getBytes(StandardCharsets.US_ASCII);
    ImageProcessingException e = failure(engine, text, "w=150");
    assertThat(e.status()).isEqualTo(415);
    assertThat(e.publicMessage()).isEqualTo("Source is not a supported image");
    assertThat(failure(engine, new byte[0], "w=150").status()).isEqualTo(415);
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_pngBomb_422WithoutDecoding(ImageEngine engine) {
    assertBombRefused(engine, TestImages.pngBomb(30_000, 30_000));
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_jpegBomb_422WithoutDecoding(ImageEngine engine) {
    assertBombRefused(engine, TestImages.jpegBomb(30_000, 30_000));
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_gifBomb_422WithoutDecoding(ImageEngine engine) {
    assertBombRefused(engine, TestImages.gifBomb(30_000, 30_000));
  }

  private static void assertBombRefused(ImageEngine engine, byte[] bomb) {
    assertThat(bomb.length).isLessThan(1000);
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    ImageProcessingException e;
    try {
      engine.render(bomb, VariantSpec.parse("w=150"), LIMITS, soon());
      throw new AssertionError(engine.name() + " rendered a bomb");
    } catch (ImageProcessingException refused) {
      e = refused;
    }
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertThat(e.status()).isEqualTo(422);
    assertThat(e.publicMessage()).contains("30000x30000");
    // A decode would allocate 900 MP x 3 bytes = 2.7 GB; the header check, a few KB.
    assertThat(allocated).isLessThan(16L << 20);
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_truncatedJpeg_422(ImageEngine engine) {
    byte[] jpeg = TestImages.jpeg(800, 600);
    ImageProcessingException e =
        failure(engine, Arrays.copyOf(jpeg, jpeg.length * 6 / 10), "w=150");
    assertThat(e.status()).isEqualTo(422);
    assertThat(e.publicMessage()).startsWith("Image is corrupt or truncated: ");
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_truncatedPng_422(ImageEngine engine) {
    byte[] png = TestImages.png(800, 600);
    assertThat(failure(engine, Arrays.copyOf(png, png.length / 2), "w=150").status())
        .isEqualTo(422);
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_garbageAfterHeader_422(ImageEngine engine) {
    byte[] jpeg = TestImages.jpeg(800, 600);
    java.util.Random random = new java.util.Random(7);
    for (int i = jpeg.length / 3; i < jpeg.length - 2; i++) {
      jpeg[i] = (byte) random.nextInt();
    }
    // Random entropy-coded data may or may not decode to something; it must never crash or hang.
    Object outcome =
        assertTimeoutPreemptively(
            Duration.ofSeconds(10),
            () -> {
              try {
                return render(engine, jpeg, "w=150");
              } catch (ImageProcessingException e) {
                return e;
              }
            });
    if (outcome instanceof ImageProcessingException e) {
      assertThat(e.status()).isEqualTo(422);
    } else {
      assertThat(((Thumbnail) outcome).width()).isEqualTo(150);
    }
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_headerOnlyPng_422(ImageEngine engine) {
    byte[] png = TestImages.png(64, 64);
    assertThat(failure(engine, Arrays.copyOf(png, 33), "w=32").status()).isEqualTo(422);
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_sourceOverByteLimit_422(ImageEngine engine) throws Exception {
    byte[] jpeg = TestImages.jpeg(200, 200);
    ImageLimits small = new ImageLimits(jpeg.length - 1, 50_000_000, 8192, 256);
    assertThatThrownBy(() -> engine.render(jpeg, VariantSpec.parse("w=50"), small, soon()))
        .isInstanceOfSatisfying(
            ImageProcessingException.class,
            e -> {
              assertThat(e.status()).isEqualTo(422);
              assertThat(e.publicMessage()).contains("limit: " + (jpeg.length - 1));
            });
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_boxOverOutputLimit_422(ImageEngine engine) {
    ImageLimits limits = new ImageLimits(1 << 20, 50_000_000, 1000, 256);
    assertThatThrownBy(
            () ->
                engine.render(
                    TestImages.jpeg(200, 200), VariantSpec.parse("w=1001"), limits, soon()))
        .isInstanceOfSatisfying(
            ImageProcessingException.class, e -> assertThat(e.status()).isEqualTo(422));
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_deadlinePassed_504(ImageEngine engine) {
    assertThatThrownBy(
            () ->
                engine.render(
                    TestImages.jpeg(100, 100),
                    VariantSpec.parse("w=50"),
                    LIMITS,
                    Instant.now().minusMillis(1)))
        .isInstanceOfSatisfying(
            ImageProcessingException.class,
            e -> {
              assertThat(e.status()).isEqualTo(504);
              assertThat(e.shouldReport()).isTrue();
            });
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_deadlineDuringWork_504(ImageEngine engine) {
    byte[] big = TestImages.jpeg(3000, 2000);
    // Decoding 6 MP takes tens of milliseconds at least: the deadline passes mid-job.
    Instant deadline = Instant.now().plusMillis(2);
    assertThatThrownBy(() -> engine.render(big, VariantSpec.parse("w=150"), LIMITS, deadline))
        .isInstanceOfSatisfying(
            ImageProcessingException.class, e -> assertThat(e.status()).isEqualTo(504));
  }

  @ParameterizedTest
  @MethodSource("engines")
  void render_concurrently_sameResult(ImageEngine engine) throws Exception {
    byte[] jpeg = TestImages.jpeg(600, 400);
    byte[] expected = render(engine, jpeg, "w=150").bytes();
    var results =
        java.util.stream.IntStream.range(0, 8)
            .parallel()
            .mapToObj(
                i -> {
                  try {
                    return render(engine, jpeg, "w=150").bytes();
                  } catch (ImageProcessingException e) {
                    throw new AssertionError(e);
                  }
                })
            .toList();
    assertThat(results).allSatisfy(bytes -> assertThat(bytes).isEqualTo(expected));
  }

  private static int[] channels(int rgb) {
    return new int[] {(rgb >> 16) & 0xFF, (rgb >> 8) & 0xFF, rgb & 0xFF};
  }
}
