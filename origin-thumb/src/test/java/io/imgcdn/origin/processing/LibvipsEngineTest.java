package io.imgcdn.origin.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.origin.options.OutputFormat;
import io.imgcdn.origin.options.VariantSpec;
import io.imgcdn.origin.security.ImageLimits;
import java.awt.image.BufferedImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * libvips-specific behaviour; every test here needs libvips and FAILS when it is installed but does
 * not load.
 */
public class LibvipsEngineTest {

  /** Debian's libvips42 puts the library here; CI installs it (apt-get install -y libvips42). */
  public static boolean libvipsInstalled() {
    return Stream.of(
            "/usr/lib/x86_64-linux-gnu/libvips.so.42",
            "/usr/lib/aarch64-linux-gnu/libvips.so.42",
            "/usr/lib/libvips.so.42",
            "/usr/local/lib/libvips.so.42")
        .anyMatch(p -> Files.exists(Path.of(p)));
  }

  static ImageEngine libvips() {
    return ImageEngines.libvips()
        .orElseThrow(
            () ->
                new AssertionError(
                    "libvips engine did not load: " + ImageEngines.libvipsUnavailableReason()));
  }

  @Test
  void libvips_installed_engineLoadsAndBestPicksIt() {
    if (!libvipsInstalled()) {
      assertThat(ImageEngines.libvips()).isEmpty();
      assertThat(ImageEngines.best().name()).isEqualTo("java");
      return;
    }
    assertThat(libvips().name()).startsWith("libvips-8.");
    assertThat(ImageEngines.best().name()).isEqualTo(libvips().name());
  }

  @Test
  void render_webp_isWebp() throws Exception {
    if (!libvipsInstalled()) {
      return;
    }
    Thumbnail t =
        libvips()
            .render(
                TestImages.jpeg(400, 300),
                VariantSpec.parse("w=200,f=webp"),
                ImageLimits.defaults(),
                Instant.now().plusSeconds(10));
    assertThat(t.format()).isEqualTo(OutputFormat.WEBP);
    assertThat(new String(t.bytes(), 8, 4, java.nio.charset.StandardCharsets.US_ASCII))
        .isEqualTo("WEBP");
    assertThat(new int[] {t.width(), t.height()}).containsExactly(200, 150);
  }

  @Test
  void render_webpOfJpegWithIccProfile_noIccpChunkAndSmall() throws Exception {
    if (!libvipsInstalled()) {
      return;
    }
    // chelsea-prophoto.jpg embeds a ProPhoto profile: its pixels are converted to sRGB, and
    // libvips 8.14's webpsave then embedded the 6,922-byte sRGB profile even with strip (the
    // w=64 WebP was 8,090 bytes; 1,160 without it).
    Thumbnail t = render(RealImagesTest.resource("chelsea-prophoto.jpg"), "w=64,f=webp");
    assertThat(webpChunks(t.bytes())).doesNotContain("ICCP");
    assertThat(t.bytes().length).isLessThan(6922);
    // No profile is no loss: the pixels are sRGB, as the untagged sRGB original's are.
    BufferedImage fromTagged = TestImages.decode(t.bytes());
    BufferedImage fromSrgb =
        TestImages.decode(render(RealImagesTest.resource("chelsea.jpg"), "w=64,f=webp").bytes());
    assertThat(RealImagesTest.meanDifference(fromTagged, fromSrgb)).isLessThan(6);
  }

  @Test
  void render_transparentPngToWebp_keepsAlpha() throws Exception {
    if (!libvipsInstalled()) {
      return;
    }
    Thumbnail t = render(TestImages.halfTransparentPng(400, 200), "w=200,f=webp");
    assertThat(webpChunks(t.bytes())).contains("VP8X");
    BufferedImage decoded = TestImages.decode(t.bytes());
    assertThat(decoded.getColorModel().hasAlpha()).isTrue();
    assertThat(decoded.getRGB(20, 50) >>> 24).isZero();
    assertThat(decoded.getRGB(180, 50) >>> 24).isEqualTo(255);
  }

  @Test
  void render_transparentPngToAvif_keepsAlpha() throws Exception {
    if (!libvipsInstalled()) {
      return;
    }
    Thumbnail t = render(TestImages.halfTransparentPng(400, 200), "w=200,f=avif");
    // An AVIF's alpha is an auxiliary image item of this type (MIAF / AV1 image file format).
    assertThat(new String(t.bytes(), StandardCharsets.ISO_8859_1))
        .contains("urn:mpeg:mpegB:cicp:systems:auxiliary:alpha");
    Thumbnail opaque = render(TestImages.jpeg(400, 200), "w=200,f=avif");
    assertThat(new String(opaque.bytes(), StandardCharsets.ISO_8859_1))
        .doesNotContain("auxiliary:alpha");
  }

  /** The RIFF chunk types of a WebP file, in order (VP8X, ICCP, ANIM, VP8L, ...). */
  static List<String> webpChunks(byte[] webp) {
    assertThat(new String(webp, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("RIFF");
    List<String> chunks = new java.util.ArrayList<>();
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(webp).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    int at = 12;
    while (at + 8 <= webp.length) {
      chunks.add(new String(webp, at, 4, StandardCharsets.US_ASCII));
      int size = b.getInt(at + 4);
      at += 8 + size + (size & 1);
    }
    return chunks;
  }

  /**
   * n-pages of an encoded image as libvips loads it (header only): proves libvips reads it back.
   */
  public static int pages(byte[] encoded) throws Throwable {
    Libvips vips = Libvips.load().orElseThrow();
    try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
      java.lang.foreign.MemorySegment buf = arena.allocate(encoded.length);
      java.lang.foreign.MemorySegment.copy(
          encoded, 0, buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, encoded.length);
      java.lang.foreign.MemorySegment image =
          (java.lang.foreign.MemorySegment)
              vips.newFromBuffer.invokeExact(
                  buf,
                  buf.byteSize(),
                  arena.allocateFrom(""),
                  java.lang.foreign.MemorySegment.NULL);
      assertThat(image)
          .as("libvips loads it: " + vips.takeError())
          .isNotEqualTo(java.lang.foreign.MemorySegment.NULL);
      try {
        return (int) vips.imageGetNPages.invokeExact(image);
      } finally {
        vips.unref(image);
      }
    }
  }

  /** How often an ASCII string (a chunk name) occurs in {@code haystack}. */
  public static int count(byte[] haystack, String ascii) {
    byte[] needle = ascii.getBytes(StandardCharsets.US_ASCII);
    int n = 0;
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      n++;
    }
    return n;
  }

  private static Thumbnail render(byte[] source, String options) throws ImageProcessingException {
    return render(source, options, ImageLimits.defaults());
  }

  private static Thumbnail render(byte[] source, String options, ImageLimits limits)
      throws ImageProcessingException {
    return libvips()
        .render(source, VariantSpec.parse(options), limits, Instant.now().plusSeconds(30));
  }

  @Test
  void writableFormats_allFive() {
    if (!libvipsInstalled()) {
      return;
    }
    // Debian's libvips42 pulls libheif1 (with libaom3 for AV1), libwebp7 and cgif.
    assertThat(libvips().writableFormats()).containsExactlyInAnyOrder(OutputFormat.values());
  }

  @Test
  void render_avif_isAvifThatLibvipsLoads() throws Throwable {
    if (!libvipsInstalled()) {
      return;
    }
    Thumbnail t = render(TestImages.jpeg(640, 480), "w=320,f=avif");
    assertThat(t.format()).isEqualTo(OutputFormat.AVIF);
    assertThat(new String(t.bytes(), 4, 8, StandardCharsets.US_ASCII)).isEqualTo("ftypavif");
    assertThat(new int[] {t.width(), t.height()}).containsExactly(320, 240);
    assertThat(pages(t.bytes())).isEqualTo(1);
    Thumbnail back = render(t.bytes(), "w=160,f=png");
    assertThat(new int[] {back.width(), back.height()}).containsExactly(160, 120);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "rocket.jpg",
        "chelsea-cmyk.jpg",
        "chelsea-ycck.jpg",
        "chelsea-16bit.png",
        "chelsea-palette.png",
        "chelsea-prophoto.jpg",
        "chelsea-orientation-6.jpg",
        "progressive.jpg",
        "animated.gif"
      })
  void render_realOddFilesToAvifWebpGif_decodableAtTheSameSize(String name) throws Throwable {
    if (!libvipsInstalled()) {
      return;
    }
    byte[] source = RealImagesTest.resource(name);
    Thumbnail jpeg = render(source, "w=120");
    for (String format : List.of("avif", "webp", "gif")) {
      Thumbnail t = render(source, "w=120,f=" + format);
      assertThat(t.format().token()).isEqualTo(format);
      assertThat(new int[] {t.width(), t.height()})
          .as(name + " " + format)
          .containsExactly(jpeg.width(), jpeg.height());
      Thumbnail back = render(t.bytes(), "w=120,f=png");
      assertThat(back.width()).as(name + " " + format + " read back").isEqualTo(jpeg.width());
    }
  }

  @Test
  void render_negotiatingSpec_firstCandidate() throws Exception {
    if (!libvipsInstalled()) {
      return;
    }
    assertThat(render(TestImages.jpeg(400, 300), "w=200,f=avif:webp:jpeg").format())
        .isEqualTo(OutputFormat.AVIF);
    assertThat(render(TestImages.jpeg(400, 300), "w=200,f=webp:jpeg").format())
        .isEqualTo(OutputFormat.WEBP);
  }

  @Test
  void render_animatedGifToWebp_everyFrameAtThumbnailSize() throws Throwable {
    if (!libvipsInstalled()) {
      return;
    }
    // animated.gif: python3-skimage's no_time_for_that_tiny.gif, 24 frames of 14x25 (SOURCES.md).
    byte[] gif = RealImagesTest.resource("animated.gif");
    Thumbnail t = render(gif, "w=10,f=webp");
    assertThat(t.format()).isEqualTo(OutputFormat.WEBP);
    assertThat(new String(t.bytes(), 8, 4, StandardCharsets.US_ASCII)).isEqualTo("WEBP");
    assertThat(count(t.bytes(), "ANIM")).isEqualTo(1);
    assertThat(count(t.bytes(), "ANMF")).isEqualTo(24);
    assertThat(pages(t.bytes())).isEqualTo(24);
    assertThat(new int[] {t.width(), t.height()}).as("one frame").containsExactly(10, 18);
  }

  @Test
  void render_animatedGifNegotiatingAvifAndWebp_webpKeepsTheAnimation() throws Throwable {
    if (!libvipsInstalled()) {
      return;
    }
    byte[] gif = RealImagesTest.resource("animated.gif");
    Thumbnail t = render(gif, "w=10,f=avif:webp:jpeg");
    assertThat(t.format()).isEqualTo(OutputFormat.WEBP);
    assertThat(pages(t.bytes())).isEqualTo(24);
    // Only AVIF on offer: a still AVIF (libvips 8.14 writes no AVIF animation).
    Thumbnail avif = render(gif, "w=10,f=avif:jpeg");
    assertThat(avif.format()).isEqualTo(OutputFormat.AVIF);
    assertThat(pages(avif.bytes())).isEqualTo(1);
  }

  @Test
  void render_truncatedAnimatedGifToWebp_422NotAShorterAnimation() {
    if (!libvipsInstalled()) {
      return;
    }
    // libnsgif counts only the frames that are complete: a GIF cut short became a shorter
    // animation (14 of 24 frames), served as if whole. A damaged source is refused instead
    // (SourceCheck, the same for both engines).
    byte[] gif = RealImagesTest.resource("animated.gif");
    byte[] truncated = java.util.Arrays.copyOf(gif, gif.length * 2 / 3);
    assertThatThrownBy(() -> render(truncated, "w=10,f=webp"))
        .isInstanceOfSatisfying(
            ImageProcessingException.class,
            e -> {
              assertThat(e.status()).isEqualTo(422);
              assertThat(e.publicMessage()).contains("GIF ends inside frame");
            });
  }

  @Test
  void render_animatedGifOverMaxFramesToWebp_422FromTheHeader() {
    if (!libvipsInstalled()) {
      return;
    }
    ImageLimits tenFrames = new ImageLimits(1 << 20, 1_000_000, 100, 10);
    assertThatThrownBy(
            () -> render(RealImagesTest.resource("animated.gif"), "w=10,f=webp", tenFrames))
        .isInstanceOfSatisfying(
            ImageProcessingException.class,
            e -> {
              assertThat(e.status()).isEqualTo(422);
              assertThat(e.publicMessage()).isEqualTo("Source has 24 frames (limit: 10)");
            });
  }

  @Test
  void render_animatedGifToGif_animatedGif() throws Throwable {
    if (!libvipsInstalled()) {
      return;
    }
    Thumbnail t = render(RealImagesTest.resource("animated.gif"), "w=7,f=gif");
    assertThat(new String(t.bytes(), 0, 6, StandardCharsets.US_ASCII)).isEqualTo("GIF89a");
    assertThat(pages(t.bytes())).isEqualTo(24);
    assertThat(new int[] {t.width(), t.height()}).containsExactly(7, 13);
  }

  @Test
  void render_animatedButCoverOrOverFramePixelBudget_firstFrameOnly() throws Throwable {
    if (!libvipsInstalled()) {
      return;
    }
    byte[] gif = RealImagesTest.resource("animated.gif");
    Thumbnail cover = render(gif, "w=8,h=8,fit=cover,f=webp");
    assertThat(pages(cover.bytes())).isEqualTo(1);
    assertThat(new int[] {cover.width(), cover.height()}).containsExactly(8, 8);
    // 24 frames x 14 x 25 = 8400 pixels in all: a budget of 5000 still allows one frame (350).
    ImageLimits limits = new ImageLimits(1 << 20, 5000, 100, 100);
    Thumbnail still = render(gif, "w=10,f=webp", limits);
    assertThat(still.format()).isEqualTo(OutputFormat.WEBP);
    assertThat(count(still.bytes(), "ANMF")).isZero();
    assertThat(pages(still.bytes())).isEqualTo(1);
  }

  @Test
  void render_deadlinePassesDuringEncode_killedWith504() {
    if (!libvipsInstalled()) {
      return;
    }
    Libvips vips = Libvips.load().orElseThrow();
    // The pipeline's clock stands still, so only the eval handler inside the encode sees the
    // deadline pass: this proves libvips's computation itself is stopped.
    LibvipsEngine engine = new LibvipsEngine(vips, 2, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
    assertThatThrownBy(
            () ->
                engine.render(
                    TestImages.png(1200, 900),
                    VariantSpec.parse("w=300"),
                    ImageLimits.defaults(),
                    Instant.now().minusMillis(1)))
        .isInstanceOfSatisfying(
            ImageProcessingException.class,
            e -> {
              assertThat(e.status()).isEqualTo(504);
              assertThat(e.getMessage()).contains("libvips killed");
            });
    // The engine is still usable afterwards.
    assertThat(engine.stepNames())
        .containsExactly("source-size", "sniff", "header", "thumbnail", "encode");
  }
}
