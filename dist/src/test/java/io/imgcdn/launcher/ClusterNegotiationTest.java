package io.imgcdn.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Format negotiation through every tier (docs/ORIGIN.md, Vary: Accept): browsers' Accept headers
 * reduced to their class at the edge, each class cached as its own representation at the edge and
 * on the shard, the origin choosing WebP for a preset that allows it. Needs libvips (CI installs
 * libvips42) for WebP output.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterNegotiationTest {
  static final String CHROME = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8";
  static final String FIREFOX = "image/avif,image/webp,*/*";
  static final String OLD_SAFARI = "image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5";
  static final String PATH = "/v/w600/photos/n.jpg";

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
                3,
                0,
                0,
                64L << 20,
                64L << 20,
                Demo.SIGNING_KEY,
                Map.of("origin.preset.w600.formats", "webp")));
    cluster.s3().put("photos/n.jpg", ClusterEndToEndTest.jpeg(900, 600), "image/jpeg");
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static HttpResponse<byte[]> get(String path, String accept, String... more) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(cluster.edgeUrl() + path)).header("Accept", accept);
    if (more.length > 0) {
      b.headers(more);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static String header(HttpResponse<?> r, String name) {
    return r.headers().firstValue(name).orElse("");
  }

  static boolean isWebp(byte[] body) {
    return body.length > 12
        && new String(body, 0, 4, StandardCharsets.US_ASCII).equals("RIFF")
        && new String(body, 8, 4, StandardCharsets.US_ASCII).equals("WEBP");
  }

  static boolean isJpeg(byte[] body) {
    return body.length > 3 && (body[0] & 0xff) == 0xff && (body[1] & 0xff) == 0xd8;
  }

  @Test
  @Order(1)
  void webpBrowsers_getWebpWithVary_secondBrowserOfTheSameClassIsAnEdgeHit() throws Exception {
    HttpResponse<byte[]> chrome = get(PATH, CHROME);
    assertThat(chrome.statusCode()).isEqualTo(200);
    assertThat(header(chrome, "Content-Type")).isEqualTo("image/webp");
    assertThat(isWebp(chrome.body())).isTrue();
    assertThat(header(chrome, "Vary")).isEqualToIgnoringCase("Accept");
    assertThat(header(chrome, "X-Cache"))
        .startsWith("edge-1;miss")
        .contains(";miss, origin-1;miss");

    HttpResponse<byte[]> firefox = get(PATH, FIREFOX);
    assertThat(header(firefox, "X-Cache"))
        .as("same class as Chrome's header")
        .isEqualTo("edge-1;hit");
    assertThat(firefox.body()).isEqualTo(chrome.body());
    assertThat(header(firefox, "Vary")).isEqualToIgnoringCase("Accept");
    assertThat(header(firefox, "ETag")).isEqualTo(header(chrome, "ETag"));
  }

  @Test
  @Order(2)
  void plainBrowser_getsJpegUnderItsOwnKey_thenHit() throws Exception {
    HttpResponse<byte[]> safari = get(PATH, OLD_SAFARI);
    assertThat(safari.statusCode()).isEqualTo(200);
    assertThat(header(safari, "Content-Type")).isEqualTo("image/jpeg");
    assertThat(isJpeg(safari.body())).isTrue();
    assertThat(header(safari, "Vary")).isEqualToIgnoringCase("Accept");
    assertThat(header(safari, "X-Cache")).startsWith("edge-1;miss");
    HttpResponse<byte[]> webp = get(PATH, FIREFOX);
    assertThat(header(safari, "ETag")).isNotEqualTo(header(webp, "ETag"));

    HttpResponse<byte[]> again = get(PATH, "*/*");
    assertThat(header(again, "X-Cache")).isEqualTo("edge-1;hit");
    assertThat(again.body()).isEqualTo(safari.body());
  }

  @Test
  @Order(3)
  void conditional_etagOfOneRepresentation_304WithVary() throws Exception {
    String etag = header(get(PATH, CHROME), "ETag");
    HttpResponse<byte[]> notModified = get(PATH, CHROME, "If-None-Match", etag);
    assertThat(notModified.statusCode()).isEqualTo(304);
    assertThat(header(notModified, "Vary")).isEqualToIgnoringCase("Accept");
    assertThat(get(PATH, OLD_SAFARI, "If-None-Match", etag).statusCode())
        .as("the WebP ETag does not match the JPEG representation")
        .isEqualTo(200);
  }

  @Test
  @Order(4)
  void edgeRestart_bothRepresentationsAreShardHits() throws Exception {
    byte[] webpBefore = get(PATH, CHROME).body();
    byte[] jpegBefore = get(PATH, OLD_SAFARI).body();
    cluster.restartEdge();
    HttpResponse<byte[]> webp = get(PATH, CHROME);
    assertThat(header(webp, "X-Cache"))
        .startsWith("edge-1;miss")
        .contains(";hit")
        .doesNotContain("origin");
    assertThat(webp.body()).isEqualTo(webpBefore);
    HttpResponse<byte[]> jpeg = get(PATH, OLD_SAFARI);
    assertThat(header(jpeg, "X-Cache"))
        .startsWith("edge-1;miss")
        .contains(";hit")
        .doesNotContain("origin");
    assertThat(Arrays.equals(jpeg.body(), jpegBefore)).isTrue();
  }

  @Test
  @Order(5)
  void presetWithoutFormatsAndOriginals_neverVary() throws Exception {
    HttpResponse<byte[]> thumb = get("/v/w150/photos/n.jpg", CHROME);
    assertThat(header(thumb, "Content-Type")).isEqualTo("image/jpeg");
    assertThat(thumb.headers().firstValue("Vary")).isEmpty();
    assertThat(header(get("/v/w150/photos/n.jpg", OLD_SAFARI), "X-Cache"))
        .as("one entry for every class")
        .isEqualTo("edge-1;hit");
    assertThat(get("/photos/n.jpg", CHROME).headers().firstValue("Vary")).isEmpty();
  }
}
