package io.imgcdn.origin.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.origin.options.OutputFormat;
import io.imgcdn.origin.options.VariantSpec;
import io.imgcdn.origin.security.ImageLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** libvips-specific behaviour; every test here needs libvips and FAILS when it is installed but does not load. */
class LibvipsEngineTest {

  /** Debian's libvips42 puts the library here; CI installs it (apt-get install -y libvips42). */
  static boolean libvipsInstalled() {
    return Stream.of("/usr/lib/x86_64-linux-gnu/libvips.so.42", "/usr/lib/aarch64-linux-gnu/libvips.so.42",
            "/usr/lib/libvips.so.42", "/usr/local/lib/libvips.so.42")
        .anyMatch(p -> Files.exists(Path.of(p)));
  }

  static ImageEngine libvips() {
    return ImageEngines.libvips().orElseThrow(() -> new AssertionError(
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
    Thumbnail t = libvips().render(TestImages.jpeg(400, 300), VariantSpec.parse("w=200,f=webp"),
        ImageLimits.defaults(), Instant.now().plusSeconds(10));
    assertThat(t.format()).isEqualTo(OutputFormat.WEBP);
    assertThat(new String(t.bytes(), 8, 4, java.nio.charset.StandardCharsets.US_ASCII)).isEqualTo("WEBP");
    assertThat(new int[] {t.width(), t.height()}).containsExactly(200, 150);
  }

  @Test
  void render_deadlinePassesDuringEncode_killedWith504() {
    if (!libvipsInstalled()) {
      return;
    }
    Libvips vips = Libvips.load().orElseThrow();
    // The pipeline's clock stands still, so only the eval handler inside the encode sees the
    // deadline pass: this proves libvips's computation itself is stopped.
    LibvipsEngine engine = new LibvipsEngine(vips, 0xFFFFFF, Clock.fixed(Instant.EPOCH, ZoneOffset.UTC));
    assertThatThrownBy(() -> engine.render(TestImages.png(1200, 900), VariantSpec.parse("w=300"),
            ImageLimits.defaults(), Instant.now().minusMillis(1)))
        .isInstanceOfSatisfying(ImageProcessingException.class, e -> {
          assertThat(e.status()).isEqualTo(504);
          assertThat(e.getMessage()).contains("libvips killed");
        });
    // The engine is still usable afterwards.
    assertThat(engine.stepNames()).containsExactly("source-size", "sniff", "header", "thumbnail", "encode");
  }
}
