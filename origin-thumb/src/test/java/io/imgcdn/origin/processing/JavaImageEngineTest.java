package io.imgcdn.origin.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.origin.options.OutputFormat;
import io.imgcdn.origin.options.VariantSpec;
import io.imgcdn.origin.security.ImageLimits;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JavaImageEngineTest {

  @Test
  void render_webp_406() {
    assertThatThrownBy(
            () ->
                ImageEngines.java()
                    .render(
                        TestImages.jpeg(100, 100),
                        VariantSpec.parse("w=50,f=webp"),
                        ImageLimits.defaults(),
                        Instant.now().plusSeconds(5)))
        .isInstanceOfSatisfying(
            ImageProcessingException.class,
            e -> {
              assertThat(e.status()).isEqualTo(406);
              assertThat(e.publicMessage()).isEqualTo("Output format webp is not supported");
            });
  }

  @Test
  void render_negotiatingSpec_fallsBackToDefaultFormat() throws Exception {
    Thumbnail t =
        ImageEngines.java()
            .render(
                TestImages.jpeg(400, 300),
                VariantSpec.parse("w=200,f=avif:webp:jpeg"),
                ImageLimits.defaults(),
                Instant.now().plusSeconds(30));
    assertThat(t.format()).isEqualTo(OutputFormat.JPEG);
    assertThat(t.bytes()[0] & 0xFF).isEqualTo(0xFF);
    assertThat(ImageEngines.java().writableFormats())
        .containsExactlyInAnyOrder(OutputFormat.JPEG, OutputFormat.PNG, OutputFormat.GIF);
  }

  @Test
  void render_gif_stillGifOfTheFirstFrame() throws Exception {
    Thumbnail t =
        ImageEngines.java()
            .render(
                RealImagesTest.resource("animated.gif"),
                VariantSpec.parse("w=7,f=gif"),
                ImageLimits.defaults(),
                Instant.now().plusSeconds(30));
    assertThat(new String(t.bytes(), 0, 3, java.nio.charset.StandardCharsets.US_ASCII))
        .isEqualTo("GIF");
    assertThat(TestImages.decode(t.bytes()).getWidth()).isEqualTo(7);
    assertThat(t.height()).isEqualTo(13);
  }

  @Test
  void stepNames_inOrder() {
    assertThat(new JavaImageEngine().stepNames())
        .containsExactly(
            "source-size",
            "header",
            "decode",
            "resize",
            "colour",
            "orient",
            "crop",
            "flatten",
            "encode");
  }

  @Test
  void render_specBackground_usedForAlpha() throws Exception {
    Thumbnail t =
        ImageEngines.java()
            .render(
                TestImages.halfTransparentPng(200, 100),
                VariantSpec.parse("w=100,bg=000000"),
                ImageLimits.defaults(),
                Instant.now().plusSeconds(5));
    int left = TestImages.decode(t.bytes()).getRGB(10, 25);
    assertThat((left >> 16) & 0xFF).isLessThan(15);
  }

  @Test
  void isDataWarning_truncationYesProfileNo() {
    assertThat(JavaImageEngine.isDataWarning("Premature end of JPEG file")).isTrue();
    assertThat(JavaImageEngine.isDataWarning("Truncated File - Missing EOI marker")).isTrue();
    assertThat(JavaImageEngine.isDataWarning("Embedded color profile is invalid; ignored"))
        .isFalse();
  }

  @Test
  void render_deadlinePassesDuringDecode_abortedWith504() {
    // The pipeline's clock stands still, so only the decoder's progress listener sees the
    // deadline pass: this proves a long decode is cut short, not just noticed afterwards.
    JavaImageEngine engine =
        new JavaImageEngine(java.time.Clock.fixed(Instant.EPOCH, java.time.ZoneOffset.UTC));
    assertThatThrownBy(
            () ->
                engine.render(
                    TestImages.jpeg(1200, 900),
                    VariantSpec.parse("w=300"),
                    ImageLimits.defaults(),
                    Instant.now().minusMillis(1)))
        .isInstanceOfSatisfying(
            ImageProcessingException.class,
            e -> {
              assertThat(e.status()).isEqualTo(504);
              assertThat(e.getMessage()).isEqualTo("deadline passed at decode");
            });
  }

  /*
   * Parity with libvips for decoding (TwelveMonkeys ImageIO). Mean absolute error per channel on
   * the 0..1 scale (RealImagesTest.meanDifference / 255).
   */

  @Test
  void render_webpSource_readLikeLibvips() throws Exception {
    assertThat(LibvipsEngineTest.libvipsInstalled())
        .as("the WebP source is made by libvips")
        .isTrue();
    ImageEngine libvips = LibvipsEngineTest.libvips();
    byte[] webp =
        render(libvips, RealImagesTest.resource("chelsea.jpg"), "w=300,f=webp,q=90").bytes();
    // Before TwelveMonkeys' imageio-webp: 415 "Source is not a supported image".
    Thumbnail java = render(ImageEngines.java(), webp, "w=150,f=png");
    Thumbnail reference = render(libvips, webp, "w=150,f=png");
    assertThat(new int[] {java.width(), java.height()}).containsExactly(150, 100);
    double mae =
        RealImagesTest.meanDifference(
                TestImages.decode(java.bytes()), TestImages.decode(reference.bytes()))
            / 255;
    assertThat(mae).as("measured 0.007").isLessThan(0.02);
  }

  @Test
  void render_transparentWebpSource_keepsAlphaInPng() throws Exception {
    assertThat(LibvipsEngineTest.libvipsInstalled())
        .as("the WebP source is made by libvips")
        .isTrue();
    byte[] webp =
        render(LibvipsEngineTest.libvips(), TestImages.halfTransparentPng(400, 200), "w=400,f=webp")
            .bytes();
    java.awt.image.BufferedImage png =
        TestImages.decode(render(ImageEngines.java(), webp, "w=200,f=png").bytes());
    assertThat(png.getRGB(20, 50) >>> 24).isZero();
    assertThat(png.getRGB(180, 50) >>> 24).isEqualTo(255);
  }

  @ParameterizedTest
  @ValueSource(strings = {"chelsea-cmyk.jpg", "chelsea-ycck.jpg"})
  void render_untaggedCmykJpeg_withinBoundOfLibvipsAndOfTheOriginal(String file) throws Exception {
    assertThat(LibvipsEngineTest.libvipsInstalled()).isTrue();
    byte[] cmyk = RealImagesTest.resource(file);
    java.awt.image.BufferedImage java =
        TestImages.decode(render(ImageEngines.java(), cmyk, "w=300,f=png").bytes());
    java.awt.image.BufferedImage libvips =
        TestImages.decode(render(LibvipsEngineTest.libvips(), cmyk, "w=300,f=png").bytes());
    java.awt.image.BufferedImage original =
        TestImages.decode(RealImagesTest.resource("chelsea.jpg"));
    // Untagged CMYK has no one right answer (docs/ORIGIN.md): libvips imports it with its built-in
    // press profile, TwelveMonkeys (on Linux) inverts it. These files were made from chelsea.jpg by
    // that inversion, so TwelveMonkeys gets the original back (measured 0.004) and libvips is
    // 0.058 from both.
    assertThat(RealImagesTest.meanDifference(java, original) / 255)
        .as("measured 0.004")
        .isLessThan(0.01);
    assertThat(RealImagesTest.meanDifference(java, libvips) / 255)
        .as("measured 0.058")
        .isLessThan(0.065);
  }

  private static Thumbnail render(ImageEngine engine, byte[] source, String options)
      throws ImageProcessingException {
    return engine.render(
        source, VariantSpec.parse(options), ImageLimits.defaults(), Instant.now().plusSeconds(30));
  }
}
