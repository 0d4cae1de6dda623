package io.imgcdn.s3embedded;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * Talks to {@link EmbeddedS3} over HTTP with the AWS SDK v2, configured the way origin-thumb is.
 */
class EmbeddedS3Test {

  private static final String BUCKET = "images";
  private static final String ACCESS = "test-access";
  private static final String SECRET = "test-secret";

  @TempDir static Path sharedDirectory;
  private static EmbeddedS3 shared;
  private static S3Client sharedClient;

  @BeforeAll
  static void startShared() throws Exception {
    shared = EmbeddedS3.start(sharedDirectory, 0, BUCKET, ACCESS, SECRET);
    sharedClient = client(shared, SECRET);
  }

  @AfterAll
  static void stopShared() {
    sharedClient.close();
    shared.close();
  }

  static S3Client client(EmbeddedS3 s3, String secret) {
    return S3Client.builder()
        .endpointOverride(s3.endpoint())
        .region(Region.of(s3.region()))
        .forcePathStyle(true)
        .credentialsProvider(
            StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKey(), secret)))
        .build();
  }

  @Test
  void start_ephemeralPort_endpointIsLoopbackWithARealPort() {
    assertThat(shared.endpoint().getScheme()).isEqualTo("http");
    assertThat(shared.endpoint().getHost()).isEqualTo("127.0.0.1");
    assertThat(shared.endpoint().getPort()).isBetween(1, 65_535);
    assertThat(shared.bucket()).isEqualTo(BUCKET);
    assertThat(shared.accessKey()).isEqualTo(ACCESS);
    assertThat(shared.secretKey()).isEqualTo(SECRET);
    assertThat(shared.region()).isEqualTo("us-east-1");
  }

  @Test
  void putObject_viaSdk_getHeadAndListSeeIt() {
    byte[] body = "not really a jpeg, but bytes are bytes".getBytes(UTF_8);
    sharedClient.putObject(
        b -> b.bucket(BUCKET).key("sdk/put.jpg").contentType("image/jpeg"),
        RequestBody.fromBytes(body));

    ResponseBytes<GetObjectResponse> got =
        sharedClient.getObjectAsBytes(b -> b.bucket(BUCKET).key("sdk/put.jpg"));
    assertThat(got.asByteArray()).isEqualTo(body);
    assertThat(got.response().contentType()).isEqualTo("image/jpeg");

    HeadObjectResponse head = sharedClient.headObject(b -> b.bucket(BUCKET).key("sdk/put.jpg"));
    assertThat(head.contentLength()).isEqualTo(body.length);
    assertThat(head.contentType()).isEqualTo("image/jpeg");
    assertThat(head.eTag()).isNotBlank();

    assertThat(sharedClient.listObjectsV2(b -> b.bucket(BUCKET).prefix("sdk/")).contents())
        .extracting(S3Object::key, S3Object::size)
        .containsExactly(tuple("sdk/put.jpg", (long) body.length));
  }

  @Test
  void put_seededDirectly_sdkReadsSameBytesAndContentType() {
    byte[] body = new byte[70_000];
    for (int i = 0; i < body.length; i++) {
      body[i] = (byte) (i * 31);
    }
    shared.put("seed/photo.png", body, "image/png");

    ResponseBytes<GetObjectResponse> got =
        sharedClient.getObjectAsBytes(b -> b.bucket(BUCKET).key("seed/photo.png"));
    assertThat(got.asByteArray()).isEqualTo(body);
    assertThat(got.response().contentType()).isEqualTo("image/png");
    assertThat(shared.get("seed/photo.png"))
        .hasValueSatisfying(bytes -> assertThat(bytes).isEqualTo(body));
  }

  @Test
  void getObject_missingKey_404NoSuchKey() {
    assertThatThrownBy(
            () -> sharedClient.getObjectAsBytes(b -> b.bucket(BUCKET).key("no/such/key.jpg")))
        .isInstanceOfSatisfying(
            NoSuchKeyException.class,
            e -> {
              assertThat(e.statusCode()).isEqualTo(404);
              assertThat(e.awsErrorDetails().errorCode()).isEqualTo("NoSuchKey");
            });
    assertThat(shared.get("no/such/key.jpg")).isEmpty();
  }

  @Test
  void getObject_wrongSecret_403() {
    shared.put("secret/object.txt", "hidden".getBytes(UTF_8), "text/plain");
    try (S3Client intruder = client(shared, "not-the-secret")) {
      assertThatThrownBy(
              () -> intruder.getObjectAsBytes(b -> b.bucket(BUCKET).key("secret/object.txt")))
          .isInstanceOfSatisfying(
              S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
      assertThatThrownBy(
              () ->
                  intruder.putObject(
                      b -> b.bucket(BUCKET).key("secret/object.txt"),
                      RequestBody.fromString("overwritten")))
          .isInstanceOfSatisfying(
              S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
    }
    assertThat(shared.get("secret/object.txt"))
        .hasValueSatisfying(b -> assertThat(b).isEqualTo("hidden".getBytes(UTF_8)));
  }

  @Test
  void anonymousRequests_worldReadableFiles_403ForGetHeadListAndPut(@TempDir Path directory)
      throws Exception {
    // S3Proxy's file-system store takes a world-readable bucket directory or file for a public-read
    // ACL and answers unsigned requests for it: files copied into the demo's data directory (umask
    // 022), one left by an older store, or an upload with `aws s3 cp --acl public-read`.
    try (EmbeddedS3 s3 = EmbeddedS3.start(directory, 0, BUCKET, ACCESS, SECRET);
        S3Client signed = client(s3, SECRET)) {
      s3.put("private/photo.jpg", "only with the key".getBytes(UTF_8), "image/jpeg");
      signed.putObject(
          b -> b.bucket(BUCKET).key("private/acl.jpg").acl(ObjectCannedACL.PUBLIC_READ),
          RequestBody.fromString("uploaded public-read"));
      Files.setPosixFilePermissions(
          directory.resolve(BUCKET), PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.setPosixFilePermissions(
          directory.resolve(BUCKET).resolve("private"),
          PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.setPosixFilePermissions(
          directory.resolve(BUCKET).resolve("private/photo.jpg"),
          PosixFilePermissions.fromString("rw-r--r--"));
      String bucket = s3.endpoint() + "/" + BUCKET;
      URI object = URI.create(bucket + "/private/photo.jpg");
      List<HttpRequest> anonymous =
          List.of(
              HttpRequest.newBuilder(object).GET().build(),
              HttpRequest.newBuilder(object).HEAD().build(),
              HttpRequest.newBuilder(URI.create(bucket + "/private/acl.jpg")).GET().build(),
              HttpRequest.newBuilder(URI.create(bucket)).GET().build(),
              HttpRequest.newBuilder(URI.create(bucket + "?list-type=2")).GET().build(),
              HttpRequest.newBuilder(URI.create(s3.endpoint() + "/")).GET().build(),
              HttpRequest.newBuilder(URI.create(bucket + "/planted.jpg"))
                  .PUT(HttpRequest.BodyPublishers.ofString("planted"))
                  .build());
      HttpClient http = HttpClient.newHttpClient();
      for (HttpRequest request : anonymous) {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(request.method() + " " + request.uri()).isEqualTo(403);
        assertThat(response.body())
            .doesNotContain("only with the key")
            .doesNotContain("uploaded public-read")
            .doesNotContain("photo.jpg");
      }
      assertThat(s3.get("planted.jpg")).isEmpty();
      assertThat(
              signed
                  .getObjectAsBytes(b -> b.bucket(BUCKET).key("private/photo.jpg"))
                  .asUtf8String())
          .isEqualTo("only with the key");
      assertThat(signed.listObjectsV2(b -> b.bucket(BUCKET)).contents())
          .extracting(S3Object::key)
          .containsExactly("private/acl.jpg", "private/photo.jpg");
    }
  }

  @Test
  void presignedGet_plainHttpClient_200WithTheBytes() throws Exception {
    shared.put("private/signed.jpg", "signed in the query".getBytes(UTF_8), "image/jpeg");
    try (S3Presigner presigner =
        S3Presigner.builder()
            .endpointOverride(shared.endpoint())
            .region(Region.of(shared.region()))
            .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
            .credentialsProvider(
                StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS, SECRET)))
            .build()) {
      URI signed =
          presigner
              .presignGetObject(
                  b ->
                      b.signatureDuration(Duration.ofMinutes(5))
                          .getObjectRequest(g -> g.bucket(BUCKET).key("private/signed.jpg")))
              .url()
              .toURI();
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(HttpRequest.newBuilder(signed).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("signed in the query");
    }
  }

  @Test
  void start_sameDirectorySamePortAfterClose_keepsObjectsAndRebindsPort(@TempDir Path directory)
      throws Exception {
    int port;
    try (EmbeddedS3 first = EmbeddedS3.start(directory, 0, BUCKET, ACCESS, SECRET);
        S3Client client = client(first, SECRET)) {
      port = first.endpoint().getPort();
      client.putObject(
          b -> b.bucket(BUCKET).key("kept.jpg").contentType("image/jpeg"),
          RequestBody.fromString("survives a restart"));
    }
    assertThat(Files.exists(directory.resolve(BUCKET).resolve("kept.jpg"))).isTrue();

    try (EmbeddedS3 second = EmbeddedS3.start(directory, port, BUCKET, ACCESS, SECRET);
        S3Client client = client(second, SECRET)) {
      assertThat(second.endpoint().getPort()).isEqualTo(port);
      ResponseBytes<GetObjectResponse> got =
          client.getObjectAsBytes(b -> b.bucket(BUCKET).key("kept.jpg"));
      assertThat(got.asUtf8String()).isEqualTo("survives a restart");
      assertThat(got.response().contentType()).isEqualTo("image/jpeg");
    }
  }

  @Test
  void close_running_freesPortAndIsIdempotent(@TempDir Path directory) throws Exception {
    EmbeddedS3 s3 = EmbeddedS3.start(directory, 0, BUCKET, ACCESS, SECRET);
    int port = s3.endpoint().getPort();
    s3.close();
    s3.close();
    try (ServerSocket socket = new ServerSocket()) {
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      assertThat(socket.getLocalPort()).isEqualTo(port);
    }
  }

  @Test
  void start_portTaken_throwsBindException(@TempDir Path directory) throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      assertThatThrownBy(
              () -> EmbeddedS3.start(directory, taken.getLocalPort(), BUCKET, ACCESS, SECRET))
          .hasRootCauseInstanceOf(BindException.class);
    }
  }

  @Test
  void start_badArguments_failWithTheValueAndTheExpectation(@TempDir Path directory) {
    assertThatThrownBy(() -> EmbeddedS3.start(directory, 0, "Bad_Bucket", ACCESS, SECRET))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Bad_Bucket")
        .hasMessageContaining("expected");
    assertThatThrownBy(() -> EmbeddedS3.start(directory, 70_000, BUCKET, ACCESS, SECRET))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("70000")
        .hasMessageContaining("expected");
    assertThatThrownBy(() -> EmbeddedS3.start(directory, 0, BUCKET, " ", SECRET))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("accessKey");
  }
}
