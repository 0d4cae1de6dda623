package io.imgcdn.origin.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.origin.options.OutputFormat;
import io.imgcdn.origin.options.VariantSpec;
import io.imgcdn.origin.security.ImageLimits;
import java.time.Instant;
import org.junit.jupiter.api.Test;

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
}
