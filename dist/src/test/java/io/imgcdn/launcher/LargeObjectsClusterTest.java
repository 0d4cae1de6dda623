package io.imgcdn.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
 * first bytes at the client while most of it is still in S3; headless Chromium plays and seeks a
 * real H.264 video in a page of another origin.
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

  static final String VIDEO_KEY = "media_attachments/files/109/348/912/425/512/345/original/a.mp4";

  /**
   * A real H.264 video of 8 s (ffmpeg; noise keeps it at ~26 MB, over what the shard keeps whole
   * and the edge caches), played in a page of another origin: its metadata, a seek to 6 s, and
   * playback on from there reach the page, which reports to its own server.
   */
  @Test
  @Order(4)
  void chromium_playsAndSeeksAVideo_inAPageOfAnotherOrigin() throws Exception {
    Path video = dir.resolve("seek.mp4");
    Process ffmpeg =
        new ProcessBuilder(
                "ffmpeg",
                "-hide_banner",
                "-loglevel",
                "error",
                "-y",
                "-f",
                "lavfi",
                "-i",
                "testsrc2=duration=8:size=640x360:rate=25",
                "-vf",
                "noise=alls=80:allf=t",
                "-c:v",
                "libx264",
                "-preset",
                "ultrafast",
                "-pix_fmt",
                "yuv420p",
                "-profile:v",
                "baseline",
                "-b:v",
                "24M",
                "-maxrate",
                "24M",
                "-bufsize",
                "48M",
                "-g",
                "25",
                "-movflags",
                "+faststart",
                video.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("ffmpeg.out").toFile())
            .start();
    assertThat(ffmpeg.waitFor(120, TimeUnit.SECONDS)).as("ffmpeg finished").isTrue();
    assertThat(ffmpeg.exitValue()).as(Files.readString(dir.resolve("ffmpeg.out"))).isZero();
    byte[] mp4 = Files.readAllBytes(video);
    assertThat(mp4.length).isGreaterThan(16 << 20);
    cluster.s3().put(VIDEO_KEY, mp4, "video/mp4");

    CompletableFuture<String> result = new CompletableFuture<>();
    HttpServer page = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    String html =
        """
        <!doctype html><html><body>
        <video id="v" muted playsinline preload="metadata" crossorigin="anonymous" src="VIDEO"></video>
        <script>
        const v = document.getElementById('v');
        const out = [];
        let seeked = false;
        const report = () => fetch('/result?' + encodeURIComponent(out.join('|')));
        v.addEventListener('error', () => { out.push('error ' + (v.error && v.error.code)); report(); });
        v.addEventListener('loadedmetadata', () => {
          out.push('duration ' + Math.round(v.duration) + ' size ' + v.videoWidth + 'x' + v.videoHeight);
          v.currentTime = 6;
        });
        v.addEventListener('seeked', () => {
          if (seeked) return;
          seeked = true;
          out.push('seeked ' + v.currentTime.toFixed(1));
          v.play().catch(e => { out.push('play failed ' + e); report(); });
        });
        v.addEventListener('timeupdate', () => {
          if (seeked && v.currentTime >= 6.5 && out.length < 3) {
            out.push('playing past 6.5');
            report();
          }
        });
        </script></body></html>
        """
            .replace("VIDEO", cluster.edgeUrl() + "/" + VIDEO_KEY);
    page.createContext(
        "/result",
        x -> {
          result.complete(
              java.net.URLDecoder.decode(x.getRequestURI().getRawQuery(), StandardCharsets.UTF_8));
          x.sendResponseHeaders(204, -1);
          x.close();
        });
    page.createContext(
        "/page.html",
        x -> {
          byte[] body = html.getBytes(StandardCharsets.UTF_8);
          x.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
          x.sendResponseHeaders(200, body.length);
          x.getResponseBody().write(body);
          x.close();
        });
    page.start();
    Process chromium =
        new ProcessBuilder(
                List.of(
                    "/usr/bin/chromium",
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-dev-shm-usage",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--autoplay-policy=no-user-gesture-required",
                    "--user-data-dir=" + Files.createTempDirectory(dir, "chromium-profile"),
                    "http://127.0.0.1:" + page.getAddress().getPort() + "/page.html"))
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("chromium.out").toFile())
            .start();
    try {
      assertThat(result.get(120, TimeUnit.SECONDS))
          .isEqualTo("duration 8 size 640x360|seeked 6.0|playing past 6.5");
    } finally {
      chromium.descendants().forEach(ProcessHandle::destroyForcibly);
      chromium.destroyForcibly();
      page.stop(0);
    }
  }
}
