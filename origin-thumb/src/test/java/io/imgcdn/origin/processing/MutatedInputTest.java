package io.imgcdn.origin.processing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.imgcdn.origin.options.VariantSpec;
import io.imgcdn.origin.security.ImageLimits;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Real files with random bytes overwritten or cut short: every engine must answer with a thumbnail
 * or a 4xx, never another exception, a crash of the JVM (libvips is native) or a hang.
 */
class MutatedInputTest {

  static Stream<Arguments> cases() {
    return ImageEngineContractTest.engines()
        .flatMap(
            engine ->
                Stream.of(
                        "chelsea.jpg",
                        "chelsea-progressive.jpg",
                        "chelsea-ycck.jpg",
                        "chelsea-16bit.png",
                        "chelsea-palette.png",
                        "animated.gif")
                    .map(file -> Arguments.of(engine, file)));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void render_mutatedFile_thumbnailOr4xx(ImageEngine engine, String file) {
    byte[] original = RealImagesTest.resource(file);
    Random random = new Random(file.hashCode());
    // A mutated header may declare any size: cap sources at 4 MP (the originals are 0.06 MP)
    // so that one mutant costs at most one ordinary decode.
    ImageLimits limits = new ImageLimits(1 << 22, 4_000_000, 8192, 256);
    VariantSpec spec = VariantSpec.parse("w=64");
    assertTimeoutPreemptively(
        Duration.ofSeconds(60),
        () -> {
          for (int i = 0; i < 40; i++) {
            byte[] mutant =
                i % 4 == 3
                    ? Arrays.copyOf(original, random.nextInt(original.length))
                    : original.clone();
            if (i % 4 != 3) {
              int flips = 1 + random.nextInt(8);
              for (int f = 0; f < flips; f++) {
                // Bias towards the header, where sizes and tables live.
                int at =
                    random.nextBoolean()
                        ? random.nextInt(Math.min(600, mutant.length))
                        : random.nextInt(mutant.length);
                mutant[at] = (byte) random.nextInt();
              }
            }
            try {
              Thumbnail t = engine.render(mutant, spec, limits, Instant.now().plusSeconds(10));
              assertThat(t.width()).isBetween(1, 64);
            } catch (ImageProcessingException e) {
              assertThat(e.status()).as(e.getMessage()).isIn(415, 422);
            }
          }
        });
  }
}
