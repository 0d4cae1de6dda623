package io.imgcdn.origin.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Placeholders over real HTTP from a real origin on the embedded S3: {@code /v/blurhash/{key}} and
 * the {@code lqip} preset.
 */
class PlaceholderHttpTest extends OriginServerHarness {

  private static final String DIGITS =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~";

  /** Left half red, right half blue, as a JPEG. */
  private static byte[] redBlue(int w, int h) throws Exception {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, x < w / 2 ? 0xFF0000 : 0x0000FF);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "jpg", out);
    return out.toByteArray();
  }

  private static int decode83(String s) {
    int v = 0;
    for (int k = 0; k < s.length(); k++) {
      v = v * 83 + DIGITS.indexOf(s.charAt(k));
    }
    return v;
  }

  /** "auto" is libvips where it is installed; "java" the pure Java engine. */
  @ParameterizedTest
  @ValueSource(strings = {"auto", "java"})
  void blurhash_textOfTheOriginal_cachedLikeAVariant_fromTheSameS3Read(String engine)
      throws Exception {
    start(Map.of("origin.engine", engine));
    s3.put("p/split.jpg", redBlue(800, 400), "image/jpeg");

    HttpResponse<byte[]> r = get("/v/blurhash/p/split.jpg").join();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("text/plain; charset=us-ascii");
    assertThat(r.headers().firstValue("Cache-Control").orElse("")).contains("immutable");
    assertThat(r.headers().firstValue("ETag")).isPresent();
    assertThat(r.headers().firstValue("Last-Modified")).isPresent();
    String hash = new String(r.body(), StandardCharsets.US_ASCII);
    // 4x3 components: 4 + 2*12 characters, size flag (4-1)+(3-1)*9 = 21 = 'L'.
    assertThat(hash).hasSize(28).startsWith("L");
    assertThat(hash.chars()).allMatch(c -> DIGITS.indexOf(c) >= 0);
    // DC: the mean of red and blue in linear light is sRGB (188, 0, 188); JPEG rounding aside.
    int dc = decode83(hash.substring(2, 6));
    assertThat(dc >> 16).isBetween(180, 196);
    assertThat((dc >> 8) & 0xFF).isLessThan(12);
    assertThat(dc & 0xFF).isBetween(180, 196);

    // The LQIP preset and a second ask of the hash read the original once: it is one picture.
    HttpResponse<byte[]> lqip = get("/v/lqip/p/split.jpg").join();
    assertThat(lqip.statusCode()).isEqualTo(200);
    assertThat(lqip.headers().firstValue("Content-Type")).hasValue("image/jpeg");
    BufferedImage small = ImageIO.read(new ByteArrayInputStream(lqip.body()));
    assertThat(small.getWidth()).isEqualTo(32);
    assertThat(small.getHeight()).isEqualTo(16);
    assertThat(lqip.body().length).as("tiny enough to inline").isLessThan(2048);
    HttpResponse<byte[]> again = get("/v/blurhash/p/split.jpg").join();
    assertThat(new String(again.body(), StandardCharsets.US_ASCII)).isEqualTo(hash);
    assertThat(again.headers().firstValue("ETag")).isEqualTo(r.headers().firstValue("ETag"));
    assertThat(metric("imgcdn_origin_s3_fetch_seconds_count")).isEqualTo(1);
  }

  @Test
  void blurhash_missingOriginal404_notAnImage415() throws Exception {
    start(Map.of());
    assertThat(get("/v/blurhash/p/none.jpg").join().statusCode()).isEqualTo(404);
    s3.put("p/text.jpg", "not a picture".getBytes(StandardCharsets.US_ASCII), "image/jpeg");
    HttpResponse<byte[]> r = get("/v/blurhash/p/text.jpg").join();
    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(r.headers().firstValue("Cache-Control").orElse("")).doesNotContain("immutable");
  }
}
