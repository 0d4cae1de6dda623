package io.imgcdn.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Presets using the URL options g=, dpr= and f=jxl (docs/HTTP-API.md) through edge, shard and
 * origin: the right picture, and the second request an edge hit like any variant. Needs libvips (CI
 * installs libvips42) for g=attention and JPEG XL.
 */
class ClusterUrlOptionsTest {
  @TempDir static Path dir;
  static LocalCluster cluster;
  static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    cluster =
        LocalCluster.start(
            new LocalCluster.Layout(
                dir,
                0,
                0,
                0,
                1,
                0,
                0,
                64L << 20,
                64L << 20,
                Demo.SIGNING_KEY,
                Map.of(
                    "origin.preset.avatar2x", "w=64,h=64,fit=cover,g=attention,dpr=2",
                    "origin.preset.jxl", "w=200,f=jxl")));
    cluster.s3().put("photos/u.jpg", ClusterEndToEndTest.jpeg(900, 600), "image/jpeg");
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static HttpResponse<byte[]> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(cluster.edgeUrl() + path)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  static String header(HttpResponse<?> r, String name) {
    return r.headers().firstValue(name).orElse("");
  }

  @Test
  void attentionCropAtDpr2_isTheDoubledBox_thenAnEdgeHit() throws Exception {
    HttpResponse<byte[]> first = get("/v/avatar2x/photos/u.jpg");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(header(first, "Content-Type")).isEqualTo("image/jpeg");
    BufferedImage image = ImageIO.read(new ByteArrayInputStream(first.body()));
    assertThat(new int[] {image.getWidth(), image.getHeight()}).containsExactly(128, 128);
    assertThat(header(first, "Vary")).isEmpty();
    HttpResponse<byte[]> second = get("/v/avatar2x/photos/u.jpg");
    assertThat(header(second, "X-Cache")).isEqualTo("edge-1;hit");
    assertThat(second.body()).isEqualTo(first.body());
  }

  @Test
  void jxlPreset_isJpegXl_thenAnEdgeHit() throws Exception {
    HttpResponse<byte[]> first = get("/v/jxl/photos/u.jpg");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(header(first, "Content-Type")).isEqualTo("image/jxl");
    assertThat(new int[] {first.body()[0] & 0xFF, first.body()[1] & 0xFF})
        .containsExactly(0xFF, 0x0A);
    HttpResponse<byte[]> second = get("/v/jxl/photos/u.jpg");
    assertThat(header(second, "X-Cache")).isEqualTo("edge-1;hit");
    assertThat(second.body()).isEqualTo(first.body());
  }
}
