package io.imgcdn.origin.http;

import io.imgcdn.common.config.Settings;
import io.imgcdn.origin.OriginServer;
import io.imgcdn.origin.config.OriginConfig;
import io.imgcdn.s3embedded.EmbeddedS3;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the origin's HTTP tests share: a real S3-protocol server per test class, an origin node per
 * test on 127.0.0.1 ephemeral ports, an HTTP/1.1 client and the admin port's metrics.
 */
abstract class OriginServerHarness {
  @TempDir static Path dir;
  static EmbeddedS3 s3;
  static final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  OriginServer origin;

  @BeforeAll
  static void startS3() throws Exception {
    s3 = EmbeddedS3.start(dir.resolve("s3"), 0, "origin-test", "origin-test", "origin-test-secret");
  }

  @AfterAll
  static void stopS3() {
    s3.close();
  }

  @AfterEach
  void stopOrigin() {
    if (origin != null) {
      origin.close();
      origin = null;
    }
  }

  /** Starts an origin on the embedded S3 with {@code extra} settings on top. */
  OriginServer start(Map<String, String> extra) {
    Map<String, String> m =
        new HashMap<>(
            Map.of(
                "server.port",
                "0",
                "admin.port",
                "0",
                "origin.s3.endpoint",
                s3.endpoint().toString(),
                "origin.s3.bucket",
                s3.bucket(),
                "origin.s3.access-key",
                s3.accessKey(),
                "origin.s3.secret-key",
                s3.secretKey()));
    m.putAll(extra);
    Settings settings = Settings.of(m);
    OriginConfig config = OriginConfig.from(settings);
    settings.finish();
    origin = OriginServer.start(config);
    return origin;
  }

  CompletableFuture<HttpResponse<byte[]>> get(String path) {
    return get(path, null);
  }

  /** GET with an Accept header, or none when {@code accept} is null. */
  CompletableFuture<HttpResponse<byte[]>> get(String path, String accept) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + origin.port() + path));
    if (accept != null) {
      b.header("Accept", accept);
    }
    return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /** A counter or timer count from /metrics; 0 when absent. */
  long metric(String name) throws Exception {
    String text =
        http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + origin.adminPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{[^}]*} ([0-9.E]+)$").matcher(text);
    return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
  }
}
