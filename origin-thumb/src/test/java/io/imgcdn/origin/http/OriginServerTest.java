package io.imgcdn.origin.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.http.HttpDates;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * The origin node over a real S3-protocol server, over real HTTP: coalescing, bulkheads, limits,
 * Last-Modified and the conditional requests that compare with it.
 */
class OriginServerTest extends OriginServerHarness {

  private static byte[] jpeg(int w, int h) throws Exception {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y += 7) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, x * 31 ^ y * 17);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "jpg", out);
    return out.toByteArray();
  }

  @Test
  void concurrentVariants_oneOriginal_oneS3GetAndOneResizePerLeader() throws Exception {
    start(Map.of());
    s3.put("c/one.jpg", jpeg(1600, 1200), "image/jpeg");
    int n = 12;
    List<HttpResponse<byte[]>> responses =
        IntStream.range(0, n).mapToObj(i -> get("/v/w150/c/one.jpg")).toList().stream()
            .map(CompletableFuture::join)
            .toList();
    assertThat(responses).allMatch(r -> r.statusCode() == 200);
    long leaders =
        responses.stream()
            .filter(r -> r.headers().firstValue("X-Cache").orElse("").equals("origin-1;miss"))
            .count();
    long waiters =
        responses.stream()
            .filter(r -> r.headers().firstValue("X-Cache").orElse("").equals("origin-1;coalesced"))
            .count();
    assertThat(leaders + waiters).isEqualTo(n);
    assertThat(metric("imgcdn_origin_s3_fetch_seconds_count"))
        .as("one S3 GET for every variant")
        .isEqualTo(1);
    assertThat(metric("imgcdn_origin_resize_seconds_count"))
        .as("one resize per leader")
        .isEqualTo(leaders);

    // The next sizes of the same picture come from the recent-originals cache, not S3.
    assertThat(get("/v/w600/c/one.jpg").join().statusCode()).isEqualTo(200);
    assertThat(get("/v/sq240/c/one.jpg").join().statusCode()).isEqualTo(200);
    assertThat(metric("imgcdn_origin_s3_fetch_seconds_count")).isEqualTo(1);
  }

  @Test
  void imageQueueFull_503WithRetryAfterAtOnce_restServed() throws Exception {
    Map<String, String> presets = new HashMap<>(Map.of("origin.workers", "1", "origin.queue", "1"));
    for (int i = 1; i <= 10; i++) {
      presets.put("origin.preset.p" + i, "w=" + (100 + i));
    }
    start(presets);
    s3.put("q/big.jpg", jpeg(2400, 1800), "image/jpeg");
    List<HttpResponse<byte[]>> responses =
        IntStream.rangeClosed(1, 10).mapToObj(i -> get("/v/p" + i + "/q/big.jpg")).toList().stream()
            .map(CompletableFuture::join)
            .toList();
    List<HttpResponse<byte[]>> rejected =
        responses.stream().filter(r -> r.statusCode() == 503).toList();
    assertThat(rejected).isNotEmpty();
    assertThat(rejected).allMatch(r -> r.headers().firstValue("Retry-After").isPresent());
    assertThat(rejected)
        .as("names the node and the cause")
        .allMatch(
            r ->
                new String(r.body(), StandardCharsets.UTF_8)
                    .equals("origin-1: resize queue full\n"));
    assertThat(responses).allMatch(r -> r.statusCode() == 200 || r.statusCode() == 503);
    assertThat(responses.stream().filter(r -> r.statusCode() == 200))
        .hasSizeGreaterThanOrEqualTo(1);
  }

  @Test
  void damagedSource_422NamingTheProblem_shortLifetimeNeverImmutable() throws Exception {
    start(Map.of());
    byte[] good = jpeg(600, 400);
    s3.put("d/cut.jpg", java.util.Arrays.copyOf(good, good.length * 2 / 3), "image/jpeg");
    HttpResponse<byte[]> r = get("/v/w600/d/cut.jpg").join();
    assertThat(r.statusCode()).isEqualTo(422);
    assertThat(new String(r.body(), StandardCharsets.UTF_8))
        .startsWith("Image is corrupt or truncated: ");
    assertThat(r.headers().firstValue("Cache-Control")).hasValue("public, max-age=60");
    // Other 4xx get the same short lifetime; a good variant stays immutable.
    HttpResponse<byte[]> unknown = get("/v/nope/d/cut.jpg").join();
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.headers().firstValue("Cache-Control")).hasValue("public, max-age=60");
    s3.put("d/good.jpg", good, "image/jpeg");
    assertThat(get("/v/w150/d/good.jpg").join().headers().firstValue("Cache-Control"))
        .hasValue("public, max-age=31536000, immutable");
  }

  @Test
  void errorMaxAgeZero_errorsNoStore() throws Exception {
    start(Map.of("origin.error-max-age", "0s"));
    s3.put("d/text.jpg", "not a picture".getBytes(StandardCharsets.US_ASCII), "image/jpeg");
    HttpResponse<byte[]> r = get("/v/w150/d/text.jpg").join();
    assertThat(r.statusCode()).isEqualTo(415);
    assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
  }

  @Test
  void originalOverSourceLimit_422BeforeReadingIt() throws Exception {
    start(Map.of("origin.max-source-bytes", "64k"));
    s3.put("l/huge.bin", new byte[300_000], "image/jpeg");
    HttpResponse<byte[]> r = get("/v/w150/l/huge.bin").join();
    assertThat(r.statusCode()).isEqualTo(422);
    assertThat(new String(r.body(), StandardCharsets.UTF_8))
        .contains("original is 300000 bytes (limit 65536)");
    assertThat(get("/l/huge.bin").join().statusCode()).isEqualTo(422);
  }

  @Test
  void missingObjectAndDisabledSigning_clearErrors() throws Exception {
    start(Map.of());
    HttpResponse<byte[]> missing = get("/nothing/here.jpg").join();
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(new String(missing.body(), StandardCharsets.UTF_8))
        .isEqualTo("no such object: nothing/here.jpg\n");
    HttpResponse<byte[]> adHoc = get("/t/AAAAAAAAAAAAAAAA/w=100/c/one.jpg").join();
    assertThat(adHoc.statusCode()).isEqualTo(403);
    assertThat(new String(adHoc.body(), StandardCharsets.UTF_8))
        .contains("signed URLs are disabled");
  }

  @Test
  void prefix_onlyKeysUnderItAreRead() throws Exception {
    s3.put("tenant-a/pic.jpg", jpeg(64, 64), "image/jpeg");
    s3.put("secret.jpg", jpeg(64, 64), "image/jpeg");
    start(Map.of("origin.s3.prefix", "tenant-a/"));
    assertThat(get("/pic.jpg").join().statusCode()).isEqualTo(200);
    assertThat(get("/secret.jpg").join().statusCode()).isEqualTo(404);
  }

  @Test
  void lastModified_ofTheS3Object_onTheOriginalAndItsVariants() throws Exception {
    start(Map.of());
    s3.put("m/pic.jpg", jpeg(320, 240), "image/jpeg");
    String inS3 = s3LastModified("m/pic.jpg");
    HttpResponse<byte[]> original = send("/m/pic.jpg");
    HttpResponse<byte[]> variant = send("/v/w150/m/pic.jpg");
    assertThat(original.headers().firstValue("Last-Modified")).hasValue(inS3);
    assertThat(variant.headers().firstValue("Last-Modified"))
        .as("a variant's is its original's")
        .hasValue(inS3);

    for (String path : List.of("/m/pic.jpg", "/v/w150/m/pic.jpg")) {
      HttpResponse<byte[]> notModified = send(path, "If-Modified-Since", inS3);
      assertThat(notModified.statusCode()).as(path).isEqualTo(304);
      assertThat(notModified.body()).isEmpty();
      assertThat(notModified.headers().firstValue("ETag")).isPresent();

      HttpResponse<byte[]> failed = send(path, "If-Match", "\"other\"");
      assertThat(failed.statusCode()).as(path).isEqualTo(412);
      assertThat(new String(failed.body(), StandardCharsets.US_ASCII))
          .isEqualTo("precondition failed: If-Match\n");
    }
    String earlier = HttpDates.format(HttpDates.parse(inS3) - 60);
    assertThat(send("/m/pic.jpg", "If-Modified-Since", earlier).statusCode()).isEqualTo(200);
    assertThat(send("/m/pic.jpg", "If-Unmodified-Since", earlier).statusCode()).isEqualTo(412);
    HttpResponse<byte[]> byDate = send("/m/pic.jpg", "Range", "bytes=0-1", "If-Range", inS3);
    assertThat(byDate.statusCode()).isEqualTo(206);
    assertThat(byDate.body()).containsExactly(0xFF, 0xD8);
    assertThat(send("/m/pic.jpg", "Range", "bytes=0-1", "If-Range", earlier).statusCode())
        .isEqualTo(200);
  }

  private HttpResponse<byte[]> send(String path, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + origin.port() + path));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** The object's Last-Modified as S3 itself reports it (a HEAD), as an HTTP-date. */
  private static String s3LastModified(String key) {
    try (S3AsyncClient client =
        S3AsyncClient.builder()
            .endpointOverride(s3.endpoint())
            .region(Region.of(s3.region()))
            .forcePathStyle(true)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(s3.accessKey(), s3.secretKey())))
            .build()) {
      return HttpDates.format(
          client
              .headObject(r -> r.bucket(s3.bucket()).key(key))
              .join()
              .lastModified()
              .getEpochSecond());
    }
  }
}
