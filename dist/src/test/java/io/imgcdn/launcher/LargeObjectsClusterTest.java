package io.imgcdn.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * Large originals through every tier on real servers (embedded S3, one origin, two shards on
 * RocksDB, one edge): a 200 MiB video's ranges cost S3 only the chunks they cover and are shard
 * hits the second time; a 40 MiB one (over origin.max-source-bytes) is passed through whole, its
 * first bytes at the client while most of it is still in S3.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LargeObjectsClusterTest {
  static final int MIB = 1 << 20;
  static final int VIDEO_BYTES = 200 * MIB;
  static final int CLIP_BYTES = 40 * MIB;

  @TempDir static Path dir;
  static LocalCluster cluster;
  static HttpClient http;

  @BeforeAll
  static void start() throws Exception {
    cluster =
        LocalCluster.start(
            new LocalCluster.Layout(
                dir, 0, 0, 0, 2, 0, 0, 64L << 20, 256L << 20, Demo.SIGNING_KEY, Map.of()));
    cluster.s3().put("media/video.mp4", bytes(VIDEO_BYTES, 7), "video/mp4");
    cluster.s3().put("media/clip.mp4", bytes(CLIP_BYTES, 11), "video/mp4");
    http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Bytes no two offsets of a chunk share by accident: a shifted or mixed range shows. */
  static byte[] bytes(int n, int seed) {
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      b[i] = expected(i, seed);
    }
    return b;
  }

  static byte expected(long i, int seed) {
    return (byte) (i * seed + (i >>> 8) * 13 + (i >>> 20));
  }

  static HttpResponse<byte[]> get(String path, String range) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(cluster.edgeUrl() + path)).header("Range", range).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  static void assertRange(HttpResponse<byte[]> r, long first, long last, int total, int seed) {
    assertThat(r.statusCode()).isEqualTo(206);
    assertThat(r.headers().firstValue("Content-Range"))
        .hasValue("bytes " + first + "-" + last + "/" + total);
    assertThat(r.headers().firstValue("Content-Type")).hasValue("video/mp4");
    assertThat(r.headers().firstValue("ETag").orElse("")).startsWith("\"");
    assertThat(r.headers().firstValue("Last-Modified")).isPresent();
    byte[] want = new byte[(int) (last - first + 1)];
    for (int i = 0; i < want.length; i++) {
      want[i] = expected(first + i, seed);
    }
    assertThat(r.body()).hasSize(want.length);
    assertThat(Arrays.equals(r.body(), want)).as("bytes %d-%d", first, last).isTrue();
  }

  static final long[][] RANGES = {
    {0, 1023},
    {100L * MIB + 12_345, 100L * MIB + 12_345 + 65_535},
    {VIDEO_BYTES - 1000, VIDEO_BYTES - 1}
  };

  @Test
  @Order(1)
  void videoRanges_startMiddleEnd_costS3OnlyTheChunksTheyCover() throws Exception {
    long before = cluster.s3().bytesServed();
    String etag = null;
    for (long[] range : RANGES) {
      HttpResponse<byte[]> r = get("/media/video.mp4", "bytes=" + range[0] + "-" + range[1]);
      assertRange(r, range[0], range[1], VIDEO_BYTES, 7);
      assertThat(r.headers().firstValue("X-Cache").orElse(""))
          .matches("edge-1;miss, shard-\\d;miss, origin-1;miss");
      if (etag != null) {
        assertThat(r.headers().firstValue("ETag")).hasValue(etag);
      }
      etag = r.headers().firstValue("ETag").orElseThrow();
    }
    // Chunks 0, 100 and 199 of 1 MiB (shard.chunk-bytes): nothing else left S3.
    assertThat(cluster.s3().bytesServed() - before).isEqualTo(3L * MIB);
  }

  @Test
  @Order(2)
  void videoRanges_secondPass_allShardHits_noS3() throws Exception {
    long before = cluster.s3().bytesServed();
    for (long[] range : RANGES) {
      HttpResponse<byte[]> r = get("/media/video.mp4", "bytes=" + range[0] + "-" + range[1]);
      assertRange(r, range[0], range[1], VIDEO_BYTES, 7);
      assertThat(r.headers().firstValue("X-Cache").orElse(""))
          .matches("edge-1;miss, shard-\\d;hit");
    }
    assertThat(cluster.s3().bytesServed()).isEqualTo(before);
  }

  @Test
  @Order(3)
  void clipOverTheDecodingLimit_wholeGetStreamsBeforeS3IsDone() throws Exception {
    long before = cluster.s3().bytesServed();
    HttpResponse<InputStream> r =
        http.send(
            HttpRequest.newBuilder(URI.create(cluster.edgeUrl() + "/media/clip.mp4")).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Length")).hasValue(String.valueOf(CLIP_BYTES));
    try (InputStream in = r.body()) {
      byte[] first = in.readNBytes(MIB);
      long servedAtFirstBytes = cluster.s3().bytesServed() - before;
      assertThat(servedAtFirstBytes)
          .as("S3 bytes when the client had its first MiB")
          .isLessThan(CLIP_BYTES / 2);
      byte[] rest = in.readAllBytes();
      assertThat(first.length + rest.length).isEqualTo(CLIP_BYTES);
      for (int i = 0; i < CLIP_BYTES; i++) {
        byte got = i < MIB ? first[i] : rest[i - MIB];
        if (got != expected(i, 11)) {
          throw new AssertionError("byte " + i + " differs");
        }
      }
    }
    assertThat(cluster.s3().bytesServed() - before).isEqualTo(CLIP_BYTES);
  }
}
