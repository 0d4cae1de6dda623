package io.imgcdn.origin.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.url.UrlSigner;
import io.imgcdn.origin.processing.LibvipsEngineTest;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The URL options g=, fp=, dpr= and f=jxl through a real origin (signed /t/ URLs) over a real
 * S3-protocol server: what the engine tests show, end to end, plus the 400s that name the option.
 */
class UrlOptionsTest extends OriginServerHarness {
  static final String KEY = "0123456789abcdef0123456789abcdef";

  @BeforeAll
  static void putImages() throws Exception {
    s3.put("u/photo.jpg", NegotiationTest.resource("chelsea.jpg"), "image/jpeg");
  }

  @BeforeEach
  void startOrigin() {
    start(Map.of("origin.signing-key", KEY));
  }

  private HttpResponse<byte[]> signed(String options) {
    String part = options + "/u/photo.jpg";
    String path =
        "/t/" + new UrlSigner(KEY.getBytes(StandardCharsets.UTF_8)).sign(part) + "/" + part;
    return get(path).join();
  }

  private static BufferedImage decode(HttpResponse<byte[]> r) throws Exception {
    assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(r.body()));
    assertThat(image).isNotNull();
    return image;
  }

  @Test
  void dpr_multipliesTheBoxByItsClass() throws Exception {
    BufferedImage twice = decode(signed("w=100,h=80,fit=cover,dpr=2,f=png"));
    assertThat(new int[] {twice.getWidth(), twice.getHeight()}).containsExactly(200, 160);
    BufferedImage android = decode(signed("w=100,dpr=2.625,f=png"));
    assertThat(android.getWidth()).as("2.625 rounds to the 3x class").isEqualTo(300);
  }

  @Test
  void gravityAndFocalPoint_moveTheCoverCrop() throws Exception {
    BufferedImage west = decode(signed("w=60,h=200,fit=cover,g=w,f=png"));
    BufferedImage east = decode(signed("w=60,h=200,fit=cover,g=e,f=png"));
    BufferedImage focalEast = decode(signed("w=60,h=200,fit=cover,fp=1:0.5,f=png"));
    assertThat(new int[] {west.getWidth(), west.getHeight()}).containsExactly(60, 200);
    assertThat(west.getRGB(30, 100)).isNotEqualTo(east.getRGB(30, 100));
    assertThat(focalEast.getRGB(30, 100)).as("fp=1:0.5 is g=e").isEqualTo(east.getRGB(30, 100));
  }

  @Test
  void badOptions_400NamingTheOption() {
    HttpResponse<byte[]> inside = signed("w=100,g=ne");
    assertThat(inside.statusCode()).isEqualTo(400);
    assertThat(new String(inside.body(), StandardCharsets.UTF_8))
        .contains("g=ne with fit=inside (expected: fit=cover");
    HttpResponse<byte[]> dpr = signed("w=100,dpr=8");
    assertThat(dpr.statusCode()).isEqualTo(400);
    assertThat(new String(dpr.body(), StandardCharsets.UTF_8))
        .contains("dpr: '8' (expected: a number 1..4");
  }

  @Test
  void jxl_jpegXlFromLibvips_406FromTheJavaEngine() {
    HttpResponse<byte[]> r = signed("w=100,f=jxl");
    if (LibvipsEngineTest.libvipsInstalled()) {
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("Content-Type")).hasValue("image/jxl");
      assertThat(new int[] {r.body()[0] & 0xFF, r.body()[1] & 0xFF}).containsExactly(0xFF, 0x0A);
    } else {
      assertThat(r.statusCode()).isEqualTo(406);
    }
  }
}
