package io.imgcdn.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.http.HttpDates;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3AsyncClient;

/**
 * The whole request path on real servers: embedded S3 (S3Proxy), one origin, three shards on
 * RocksDB and one edge, all on ephemeral loopback ports, driven over real HTTP.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterEndToEndTest {
  @TempDir static Path dir;
  static LocalCluster cluster;
  static HttpClient http;
  static byte[] photo;

  @BeforeAll
  static void start() throws Exception {
    cluster =
        LocalCluster.start(
            new LocalCluster.Layout(
                dir, 0, 0, 0, 3, 0, 0, 64L << 20, 64L << 20, Demo.SIGNING_KEY, Map.of()));
    photo = jpeg(800, 600);
    cluster.s3().put("photos/a.jpg", photo, "image/jpeg");
    cluster.s3().put("photos/b.jpg", jpeg(400, 1000), "image/jpeg");
    cluster.s3().put("photos/c.jpg", jpeg(300, 300), "image/jpeg");
    cluster
        .s3()
        .put("docs/readme.txt", "not a picture".getBytes(StandardCharsets.UTF_8), "image/jpeg");
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static byte[] jpeg(int w, int h) throws Exception {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        img.setRGB(x, y, (x * 255 / w) << 16 | (y * 255 / h) << 8 | 0x40);
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ImageIO.write(img, "jpg", out);
    return out.toByteArray();
  }

  static HttpResponse<byte[]> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(cluster.edgeUrl() + path));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static String xCache(HttpResponse<?> r) {
    return r.headers().firstValue("X-Cache").orElse("");
  }

  @Test
  @Order(1)
  void original_throughAllTiers_byteIdenticalThenEdgeHit() throws Exception {
    HttpResponse<byte[]> first = get("/photos/a.jpg");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).isEqualTo(photo);
    assertThat(first.headers().firstValue("Content-Type")).hasValue("image/jpeg");
    assertThat(first.headers().firstValue("Cache-Control").orElse("")).contains("immutable");
    assertThat(first.headers().firstValue("ETag").orElse("")).startsWith("\"");
    assertThat(xCache(first)).matches("edge-1;miss, shard-\\d;miss, origin-1;miss");

    HttpResponse<byte[]> second = get("/photos/a.jpg");
    assertThat(second.body()).isEqualTo(photo);
    assertThat(xCache(second)).isEqualTo("edge-1;hit");
    assertThat(second.headers().firstValue("ETag")).isEqualTo(first.headers().firstValue("ETag"));
  }

  @Test
  @Order(2)
  void presetVariant_decodesAtPresetSize() throws Exception {
    HttpResponse<byte[]> r = get("/v/w150/photos/a.jpg");
    assertThat(r.statusCode()).isEqualTo(200);
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(r.body()));
    assertThat(img.getWidth()).isEqualTo(150);
    assertThat(img.getHeight()).isEqualTo(113); // 800x600 keeps its aspect ratio: 150 x 112.5
    BufferedImage square =
        ImageIO.read(new ByteArrayInputStream(get("/v/sq240/photos/b.jpg").body()));
    assertThat(square.getWidth()).isEqualTo(240);
    assertThat(square.getHeight()).isEqualTo(240);
    BufferedImage small =
        ImageIO.read(new ByteArrayInputStream(get("/v/w600/photos/c.jpg").body()));
    assertThat(small.getWidth()).as("never upscales").isEqualTo(300);
  }

  @Test
  @Order(2)
  void placeholders_blurhashAndLqip_cachedByEdgeAndShardLikeVariants() throws Exception {
    HttpResponse<byte[]> first = get("/v/blurhash/photos/b.jpg");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    assertThat(new String(first.body(), StandardCharsets.US_ASCII))
        .as("4x3 components: size flag 'L', 4 + 2*12 characters")
        .matches("L[0-9A-Za-z#$%*+,\\-.:;=?@\\[\\]^_{|}~]{27}");
    assertThat(xCache(first)).matches("edge-1;miss, shard-\\d;miss, origin-1;miss");
    HttpResponse<byte[]> second = get("/v/blurhash/photos/b.jpg");
    assertThat(xCache(second)).isEqualTo("edge-1;hit");
    assertThat(second.body()).isEqualTo(first.body());

    HttpResponse<byte[]> lqip = get("/v/lqip/photos/b.jpg");
    assertThat(lqip.statusCode()).isEqualTo(200);
    BufferedImage small = ImageIO.read(new ByteArrayInputStream(lqip.body()));
    assertThat(small.getWidth()).isEqualTo(32);
    assertThat(small.getHeight()).isEqualTo(80); // 400x1000 at 32 across
  }

  @Test
  @Order(3)
  void headAndConditional_matchGetWithoutBody() throws Exception {
    HttpResponse<byte[]> getR = get("/v/w150/photos/a.jpg");
    HttpResponse<byte[]> head =
        http.send(
            HttpRequest.newBuilder(URI.create(cluster.edgeUrl() + "/v/w150/photos/a.jpg"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.headers().firstValue("Content-Length"))
        .hasValue(String.valueOf(getR.body().length));
    assertThat(head.headers().firstValue("ETag")).isEqualTo(getR.headers().firstValue("ETag"));

    String etag = getR.headers().firstValue("ETag").orElseThrow();
    HttpResponse<byte[]> notModified = get("/v/w150/photos/a.jpg", "If-None-Match", etag);
    assertThat(notModified.statusCode()).isEqualTo(304);
    assertThat(notModified.body()).isEmpty();

    HttpResponse<byte[]> range = get("/photos/a.jpg", "Range", "bytes=0-99");
    assertThat(range.statusCode()).isEqualTo(206);
    assertThat(range.body()).isEqualTo(java.util.Arrays.copyOf(photo, 100));
  }

  /**
   * Last-Modified travels from S3 through origin and shard to the edge, which answers
   * If-Modified-Since with 304 on a miss (after the fetch) and on a hit, for an original and for a
   * variant (whose Last-Modified is its original's).
   */
  @Test
  @Order(3)
  void lastModified_ofTheS3Object_atTheEdge_ifModifiedSince304OnMissAndHit() throws Exception {
    cluster.s3().put("photos/dated.jpg", jpeg(320, 200), "image/jpeg");
    String inS3 = s3LastModified("photos/dated.jpg");
    for (String path : List.of("/photos/dated.jpg", "/v/w150/photos/dated.jpg")) {
      HttpResponse<byte[]> miss = get(path, "If-Modified-Since", inS3);
      assertThat(xCache(miss)).as(path).startsWith("edge-1;miss, shard-");
      assertThat(miss.statusCode()).as(path).isEqualTo(304);
      assertThat(miss.body()).isEmpty();

      HttpResponse<byte[]> hit = get(path, "If-Modified-Since", inS3);
      assertThat(xCache(hit)).as(path).isEqualTo("edge-1;hit");
      assertThat(hit.statusCode()).as(path).isEqualTo(304);

      HttpResponse<byte[]> whole = get(path);
      assertThat(whole.statusCode()).isEqualTo(200);
      assertThat(whole.headers().firstValue("Last-Modified")).as(path).hasValue(inS3);
      String earlier = HttpDates.format(HttpDates.parse(inS3) - 1);
      assertThat(get(path, "If-Modified-Since", earlier).statusCode()).isEqualTo(200);
    }
  }

  /** The object's Last-Modified as S3 itself reports it (a HEAD), as an HTTP-date. */
  static String s3LastModified(String key) {
    var s3 = cluster.s3();
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

  @Test
  @Order(4)
  void errors_unknownPresetMissingObjectNotAnImageBadPath() throws Exception {
    HttpResponse<byte[]> preset = get("/v/huge/photos/a.jpg");
    assertThat(preset.statusCode()).isEqualTo(404);
    assertThat(new String(preset.body(), StandardCharsets.UTF_8)).contains("unknown preset: huge");

    HttpResponse<byte[]> missing = get("/photos/nope.jpg");
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(new String(missing.body(), StandardCharsets.UTF_8))
        .contains("no such object: photos/nope.jpg");
    assertThat(xCache(missing)).startsWith("edge-1;miss, shard-");

    assertThat(get("/v/w150/docs/readme.txt").statusCode()).isEqualTo(415);
    assertThat(get("/photos/%2e%2e/secret").statusCode()).isEqualTo(400);
    assertThat(get("/t/AAAAAAAAAAAA/w=100/photos/a.jpg").statusCode()).isEqualTo(403);
  }

  @Test
  @Order(5)
  void signedVariant_validSignature_servedAtRequestedSize() throws Exception {
    String options = "w=120,h=90,fit=cover,f=png";
    String sig =
        new io.imgcdn.common.url.UrlSigner(Demo.SIGNING_KEY.getBytes(StandardCharsets.UTF_8))
            .sign(options + "/photos/a.jpg");
    HttpResponse<byte[]> r = get("/t/" + sig + "/" + options + "/photos/a.jpg");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("image/png");
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(r.body()));
    assertThat(img.getWidth()).isEqualTo(120);
    assertThat(img.getHeight()).isEqualTo(90);
  }

  @Test
  @Order(6)
  void concurrentMisses_oneVariant_coalescedIntoOneFetch() throws Exception {
    List<CompletableFuture<HttpResponse<byte[]>>> all =
        IntStream.range(0, 8)
            .mapToObj(
                i ->
                    http.sendAsync(
                        HttpRequest.newBuilder(
                                URI.create(cluster.edgeUrl() + "/v/w600/photos/b.jpg"))
                            .build(),
                        HttpResponse.BodyHandlers.ofByteArray()))
            .toList();
    List<String> verdicts =
        all.stream().map(CompletableFuture::join).map(ClusterEndToEndTest::xCache).toList();
    assertThat(verdicts).allMatch(v -> v.startsWith("edge-1;"));
    assertThat(verdicts.stream().filter(v -> v.startsWith("edge-1;miss"))).hasSize(1);
  }

  @Test
  @Order(7)
  void edgeRestart_nextRequestIsEdgeMissShardHit() throws Exception {
    cluster.restartEdge();
    HttpResponse<byte[]> r = get("/photos/a.jpg");
    assertThat(r.body()).isEqualTo(photo);
    assertThat(xCache(r)).matches("edge-1;miss, shard-\\d;hit");
  }

  @Test
  @Order(8)
  void shardRestart_contentStillThere() throws Exception {
    for (int i = 0; i < 3; i++) {
      cluster.restartShard(i);
    }
    cluster.restartEdge();
    HttpResponse<byte[]> r = get("/v/w150/photos/a.jpg");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(xCache(r)).matches("edge-1;miss, shard-\\d;hit");
  }

  @Test
  @Order(9)
  void metrics_countWhatHappened() throws Exception {
    get("/photos/a.jpg");
    get("/photos/a.jpg");
    String edgeMetrics =
        http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + cluster.edge().adminPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(edgeMetrics)
        .containsPattern(
            "imgcdn_requests_total\\{node=\"edge-1\",result=\"hit\",tier=\"edge\"} [1-9]");
    assertThat(edgeMetrics)
        .containsPattern(
            "imgcdn_requests_total\\{node=\"edge-1\",result=\"miss\",tier=\"edge\"} [1-9]");
    assertThat(edgeMetrics).contains("imgcdn_response_bytes_total");
    String shardMetrics =
        http.send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + cluster.shards().get(0).adminPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    assertThat(shardMetrics).contains("imgcdn_cache_disk_bytes");
    HttpResponse<String> health =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + cluster.origin().adminPort() + "/healthz"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("origin-1");
  }

  @Test
  @Order(9)
  void accessLogs_onePerNodeFile_ltsvLinesOfWhatWasServed() throws Exception {
    get("/photos/b.jpg", "X-Request-Id", "e2e-access-log");
    Path edgeLog = cluster.accessLogDirectory().resolve("edge-1.access.log");
    // The writer thread appends within about a second; wait for the line with a deadline, not a
    // fixed sleep.
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
    String line = "";
    while (line.isEmpty() && System.nanoTime() < deadline) {
      line =
          java.nio.file.Files.exists(edgeLog)
              ? java.nio.file.Files.readAllLines(edgeLog).stream()
                  .filter(l -> l.contains("reqid:e2e-access-log"))
                  .findFirst()
                  .orElse("")
              : "";
      if (line.isEmpty()) {
        java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
      }
    }
    Map<String, String> fields = new java.util.HashMap<>();
    for (String field : line.split("\t")) {
      int colon = field.indexOf(':');
      fields.put(field.substring(0, colon), field.substring(colon + 1));
    }
    assertThat(fields)
        .containsEntry("node", "edge-1")
        .containsEntry("method", "GET")
        .containsEntry("uri", "/photos/b.jpg")
        .containsEntry("status", "200")
        .containsKey("xcache");
    try (var logs = java.nio.file.Files.list(cluster.accessLogDirectory())) {
      assertThat(logs.map(p -> p.getFileName().toString()))
          .contains("origin-1.access.log", "shard-1.access.log", "edge-1.access.log");
    }
  }

  @Test
  @Order(10)
  void indexPage_servedThroughTheEdge() throws Exception {
    Demo.seed(cluster);
    HttpResponse<byte[]> r = get("/");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("/v/sq240/photos/coffee.jpg");
    assertThat(get("/v/sq240/photos/coffee.jpg").statusCode()).isEqualTo(200);
  }

  @Test
  @Order(11)
  void purgeOriginal_onShards_allItsVariantsRefetched() throws Exception {
    assertThat(get("/v/w150/photos/c.jpg").statusCode()).isEqualTo(200);
    assertThat(get("/v/w600/photos/c.jpg").statusCode()).isEqualTo(200);
    int purged = 0;
    for (var shard : cluster.shards()) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(
                          "http://127.0.0.1:"
                              + shard.adminPort()
                              + "/admin/purge?original=photos/c.jpg"))
                  .header("Authorization", "Bearer " + LocalCluster.ADMIN_TOKEN)
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      purged += Integer.parseInt(r.body().replaceAll("\\D+", ""));
    }
    assertThat(purged).as("w150 and w600 of c.jpg (and nothing else)").isEqualTo(2);
    HttpResponse<String> unauthorized =
        http.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + cluster.shards().get(0).adminPort()
                            + "/admin/purge?original=photos/a.jpg"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(unauthorized.statusCode()).isEqualTo(401);
    cluster.restartEdge();
    assertThat(xCache(get("/v/w150/photos/c.jpg")))
        .matches("edge-1;miss, shard-\\d;miss, origin-1;miss");
    assertThat(xCache(get("/v/w150/photos/a.jpg"))).matches("edge-1;miss, shard-\\d;hit");
  }
}
