package io.imgcdn.origin.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.url.UrlSigner;
import io.imgcdn.origin.processing.LibvipsEngineTest;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Accept-based WebP/AVIF choice (docs/ORIGIN.md) on a real origin over a real S3-protocol server.
 * The WebP and AVIF expectations need the libvips engine: where libvips42 is installed they run
 * (and fail if it does not load); elsewhere the same requests must get the JPEG fallback, still
 * with Vary.
 */
class NegotiationTest extends OriginServerHarness {
  static final String WEBP = "image/webp,*/*";
  static final String AVIF_WEBP =
      "image/avif,image/webp,image/apng,*/*;q=0.8"; // Chrome's image Accept
  static final String KEY = "0123456789abcdef0123456789abcdef";

  @BeforeAll
  static void putImages() throws Exception {
    s3.put("n/photo.jpg", resource("chelsea.jpg"), "image/jpeg");
    s3.put("n/animated.gif", resource("animated.gif"), "image/gif");
  }

  static byte[] resource(String name) throws Exception {
    try (InputStream in = NegotiationTest.class.getResourceAsStream("/images/" + name)) {
      return in.readAllBytes();
    }
  }

  private void startWithPresets(Map<String, String> extra) {
    Map<String, String> m =
        new HashMap<>(
            Map.of(
                "origin.preset.w150", "w=150",
                "origin.preset.n120", "w=120",
                "origin.preset.n120.formats", "avif,webp",
                "origin.preset.a10", "w=10",
                "origin.preset.a10.formats", "webp",
                "origin.signing-key", KEY));
    m.putAll(extra);
    super.start(m);
  }

  private static String header(HttpResponse<?> r, String name) {
    return r.headers().firstValue(name).orElse("");
  }

  private static String ascii(byte[] b, int from, int length) {
    return new String(b, from, length, StandardCharsets.US_ASCII);
  }

  @Test
  void negotiatingPreset_webpAvifPlain_eachItsFormatAllWithVary() throws Throwable {
    startWithPresets(Map.of());
    HttpResponse<byte[]> webp = get("/v/n120/n/photo.jpg", WEBP).join();
    HttpResponse<byte[]> avif = get("/v/n120/n/photo.jpg", AVIF_WEBP).join();
    HttpResponse<byte[]> plain = get("/v/n120/n/photo.jpg", null).join();
    for (HttpResponse<byte[]> r : List.of(webp, avif, plain)) {
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(header(r, "Vary")).isEqualTo("Accept");
    }
    assertThat(header(plain, "Content-Type")).isEqualTo("image/jpeg");
    assertThat(plain.body()[0] & 0xFF).isEqualTo(0xFF);
    if (LibvipsEngineTest.libvipsInstalled()) {
      assertThat(header(webp, "Content-Type")).isEqualTo("image/webp");
      assertThat(ascii(webp.body(), 0, 4) + ascii(webp.body(), 8, 4)).isEqualTo("RIFFWEBP");
      assertThat(LibvipsEngineTest.pages(webp.body())).isEqualTo(1);
      assertThat(header(avif, "Content-Type")).isEqualTo("image/avif");
      assertThat(ascii(avif.body(), 4, 8)).isEqualTo("ftypavif");
      assertThat(LibvipsEngineTest.pages(avif.body())).isEqualTo(1);
      assertThat(Set.of(header(webp, "ETag"), header(avif, "ETag"), header(plain, "ETag")))
          .hasSize(3);
    } else {
      assertThat(header(webp, "Content-Type")).isEqualTo("image/jpeg");
      assertThat(header(avif, "Content-Type")).isEqualTo("image/jpeg");
    }
    // The revalidation answer varies too.
    HttpResponse<byte[]> notModified =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + origin.port() + "/v/n120/n/photo.jpg"))
                .header("Accept", WEBP)
                .header("If-None-Match", header(webp, "ETag"))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(notModified.statusCode()).isEqualTo(304);
    assertThat(header(notModified, "Vary")).isEqualTo("Accept");
  }

  @Test
  void negotiatingPreset_clientErrors_withVary() {
    startWithPresets(Map.of());
    HttpResponse<byte[]> missing = get("/v/n120/n/missing.jpg", WEBP).join();
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(header(missing, "Vary")).isEqualTo("Accept");
    s3.put("n/not-an-image.jpg", "hello".getBytes(StandardCharsets.US_ASCII), "image/jpeg");
    HttpResponse<byte[]> notImage = get("/v/n120/n/not-an-image.jpg", null).join();
    assertThat(notImage.statusCode()).isEqualTo(415);
    assertThat(header(notImage, "Vary")).isEqualTo("Accept");
    assertThat(get("/v/w150/n/missing.jpg", WEBP).join().headers().firstValue("Vary")).isEmpty();
  }

  @Test
  void nonNegotiatingPresetAndOriginal_noVaryWhateverTheAccept() {
    startWithPresets(Map.of());
    HttpResponse<byte[]> preset = get("/v/w150/n/photo.jpg", AVIF_WEBP).join();
    assertThat(preset.statusCode()).isEqualTo(200);
    assertThat(header(preset, "Content-Type")).isEqualTo("image/jpeg");
    assertThat(preset.headers().firstValue("Vary")).isEmpty();
    HttpResponse<byte[]> original = get("/n/photo.jpg", AVIF_WEBP).join();
    assertThat(original.statusCode()).isEqualTo(200);
    assertThat(original.headers().firstValue("Vary")).isEmpty();
  }

  @Test
  void concurrentMixedAccepts_oneS3Get_oneResizePerFormat() throws Exception {
    startWithPresets(Map.of());
    s3.put("n/burst.jpg", resource("rocket.jpg"), "image/jpeg");
    String[] accepts = {null, WEBP, AVIF_WEBP, "image/webp", "*/*"};
    List<HttpResponse<byte[]>> responses =
        IntStream.range(0, 15)
            .mapToObj(i -> get("/v/n120/n/burst.jpg", accepts[i % accepts.length]))
            .toList()
            .stream()
            .map(CompletableFuture::join)
            .toList();
    assertThat(responses)
        .allMatch(r -> r.statusCode() == 200 && header(r, "Vary").equals("Accept"));
    assertThat(metric("imgcdn_origin_s3_fetch_seconds_count"))
        .as("one S3 GET for all formats")
        .isEqualTo(1);
    Map<String, Set<String>> etagsByType =
        responses.stream()
            .collect(
                Collectors.groupingBy(
                    r -> header(r, "Content-Type"),
                    Collectors.mapping(r -> header(r, "ETag"), Collectors.toSet())));
    assertThat(etagsByType.values())
        .as("one representation per format")
        .allMatch(etags -> etags.size() == 1);
    long leaders =
        responses.stream().filter(r -> header(r, "X-Cache").equals("origin-1;miss")).count();
    assertThat(metric("imgcdn_origin_resize_seconds_count"))
        .as("one resize per leader")
        .isEqualTo(leaders);
    assertThat(leaders)
        .as("different formats never share a resize")
        .isGreaterThanOrEqualTo(etagsByType.size());
    assertThat(etagsByType.keySet())
        .isEqualTo(
            LibvipsEngineTest.libvipsInstalled()
                ? Set.of("image/jpeg", "image/webp", "image/avif")
                : Set.of("image/jpeg"));
  }

  @Test
  void signedAuto_webpForWebpClients_jpegOtherwise() {
    startWithPresets(Map.of());
    String signed = "f=auto,w=100/n/photo.jpg";
    String path =
        "/t/" + new UrlSigner(KEY.getBytes(StandardCharsets.UTF_8)).sign(signed) + "/" + signed;
    HttpResponse<byte[]> webp = get(path, AVIF_WEBP).join();
    HttpResponse<byte[]> plain = get(path, "image/*").join();
    assertThat(webp.statusCode()).isEqualTo(200);
    assertThat(header(webp, "Vary")).isEqualTo("Accept");
    assertThat(header(webp, "Content-Type"))
        .as("f=auto offers WebP, never AVIF")
        .isEqualTo(LibvipsEngineTest.libvipsInstalled() ? "image/webp" : "image/jpeg");
    assertThat(header(plain, "Content-Type")).isEqualTo("image/jpeg");
    assertThat(header(plain, "Vary")).isEqualTo("Accept");
  }

  @Test
  void javaEngine_fallbackByDefault_refuseGives406WithVary() {
    startWithPresets(Map.of("origin.engine", "java"));
    HttpResponse<byte[]> fallback = get("/v/n120/n/photo.jpg", WEBP).join();
    assertThat(fallback.statusCode()).isEqualTo(200);
    assertThat(header(fallback, "Content-Type")).isEqualTo("image/jpeg");
    assertThat(header(fallback, "Vary")).isEqualTo("Accept");
    stopOrigin();

    startWithPresets(Map.of("origin.engine", "java", "origin.unwritable-format", "refuse"));
    HttpResponse<byte[]> refused = get("/v/n120/n/photo.jpg", AVIF_WEBP).join();
    assertThat(refused.statusCode()).isEqualTo(406);
    assertThat(header(refused, "Vary")).isEqualTo("Accept");
    assertThat(new String(refused.body(), StandardCharsets.UTF_8))
        .contains("avif is not supported by engine java");
    HttpResponse<byte[]> plain = get("/v/n120/n/photo.jpg", null).join();
    assertThat(plain.statusCode()).isEqualTo(200);
    assertThat(header(plain, "Content-Type")).isEqualTo("image/jpeg");
  }

  @Test
  void animatedGif_webpClientsGetEveryFrame_othersTheFirstFrameAsJpeg() throws Throwable {
    startWithPresets(Map.of());
    HttpResponse<byte[]> webp = get("/v/a10/n/animated.gif", WEBP).join();
    HttpResponse<byte[]> plain = get("/v/a10/n/animated.gif", null).join();
    assertThat(webp.statusCode()).isEqualTo(200);
    assertThat(plain.statusCode()).isEqualTo(200);
    assertThat(header(plain, "Content-Type")).isEqualTo("image/jpeg");
    if (LibvipsEngineTest.libvipsInstalled()) {
      assertThat(header(webp, "Content-Type")).isEqualTo("image/webp");
      assertThat(LibvipsEngineTest.count(webp.body(), "ANMF")).isEqualTo(24);
      assertThat(LibvipsEngineTest.pages(webp.body())).isEqualTo(24);
    }
  }
}
