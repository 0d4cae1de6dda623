package io.imgcdn.launcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.origin.security.UrlSigner;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/**
 * The signing examples of examples/signing/ (Ruby, Python, JavaScript, Go, PHP) and {@code imgcdn
 * sign}, each run with its real interpreter against a real cluster: every URL they print is served.
 */
class SigningExamplesTest {
  @TempDir static Path dir;
  static LocalCluster cluster;
  static HttpClient http;
  static Path examples;

  /** Plain, and with a space, a plus, an ampersand and non-ASCII letters to percent-encode. */
  static final List<String> KEYS = List.of("photos/a.jpg", "photos/été 2026/chat+1 & co.jpg");

  static final String OPTIONS = "w=120,h=90,fit=cover";

  @BeforeAll
  static void start() throws Exception {
    cluster =
        LocalCluster.start(
            new LocalCluster.Layout(
                dir.resolve("cluster"),
                0,
                0,
                0,
                1,
                0,
                0,
                64L << 20,
                64L << 20,
                Demo.SIGNING_KEY,
                Map.of()));
    byte[] photo = ClusterEndToEndTest.jpeg(400, 300);
    for (String key : KEYS) {
      cluster.s3().put(key, photo, "image/jpeg");
    }
    http = HttpClient.newHttpClient();
    examples = repositoryRoot().resolve("examples/signing");
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  static Stream<Arguments> languages() {
    return Stream.of(
        Arguments.of("ruby", List.of("ruby", "imgcdn_sign.rb")),
        Arguments.of("python", List.of("python3", "imgcdn_sign.py")),
        Arguments.of("javascript", List.of("node", "imgcdn_sign.mjs")),
        Arguments.of("go", List.of("go", "run", "imgcdn_sign.go")),
        Arguments.of("php", List.of("php", "imgcdn_sign.php")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("languages")
  void example_printsUrlsTheEdgeServes(String language, List<String> command) throws Exception {
    for (String key : KEYS) {
      List<String> argv = new ArrayList<>(command);
      argv.addAll(List.of(cluster.edgeUrl(), OPTIONS));
      String url = run(argv, key);
      assertThat(url)
          .as("%s's URL carries the signature Java computes", language)
          .startsWith(cluster.edgeUrl() + "/t/" + javaSignature(key) + "/" + OPTIONS + "/");
      assertServedAtVariantSize(url);
    }
  }

  @Test
  void signCommand_printsUrlsTheEdgeServes() throws Exception {
    for (String key : KEYS) {
      String url = sign("--base", cluster.edgeUrl() + "/", OPTIONS, key).out().strip();
      assertThat(url).startsWith(cluster.edgeUrl() + "/t/" + javaSignature(key) + "/");
      assertServedAtVariantSize(url);
    }
  }

  @Test
  void signCommand_keyFromFileOrEnvironment_andBadInputNamed() throws Exception {
    Path keyFile = dir.resolve("signing.key");
    Files.writeString(keyFile, Demo.SIGNING_KEY + "\n");
    assertThat(sign("--key-file", keyFile.toString(), OPTIONS, "photos/a.jpg").out().strip())
        .isEqualTo("/t/" + javaSignature("photos/a.jpg") + "/" + OPTIONS + "/photos/a.jpg");

    Result badOption = sign("--key-file", keyFile.toString(), "w=120,fit=sideways", "photos/a.jpg");
    assertThat(badOption.code()).isEqualTo(2);
    assertThat(badOption.err()).contains("fit").contains("sideways");

    Result badKey = sign("--key-file", keyFile.toString(), OPTIONS, "photos/../secret.jpg");
    assertThat(badKey.code()).isEqualTo(2);
    assertThat(badKey.err()).contains("key").contains("..");

    Result noKey = signWithEnvironment(Map.of(), OPTIONS, "photos/a.jpg");
    assertThat(noKey.code()).isEqualTo(2);
    assertThat(noKey.err()).contains(SignCommand.KEY_ENV);

    Result fromEnvironment =
        signWithEnvironment(
            Map.of(SignCommand.KEY_ENV, "another-key-of-16-bytes"), OPTIONS, "a.jpg");
    assertThat(fromEnvironment.out().strip())
        .isEqualTo(
            "/t/"
                + new UrlSigner("another-key-of-16-bytes".getBytes(StandardCharsets.UTF_8))
                    .sign(OPTIONS + "/a.jpg")
                + "/"
                + OPTIONS
                + "/a.jpg");
  }

  @Test
  void wrongKey_isRefusedByTheEdge() throws Exception {
    String url =
        signWithEnvironment(
                Map.of(SignCommand.KEY_ENV, "not-the-cluster-key-at-all"),
                "--base",
                cluster.edgeUrl(),
                OPTIONS,
                "photos/a.jpg")
            .out()
            .strip();
    HttpResponse<String> refused =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(refused.statusCode()).isEqualTo(403);
  }

  static String javaSignature(String key) {
    return new UrlSigner(Demo.SIGNING_KEY.getBytes(StandardCharsets.UTF_8))
        .sign(OPTIONS + "/" + key);
  }

  static void assertServedAtVariantSize(String url) throws Exception {
    HttpResponse<byte[]> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).as("GET %s", url).isEqualTo(200);
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(r.body()));
    assertThat(img.getWidth()).isEqualTo(120);
    assertThat(img.getHeight()).isEqualTo(90);
  }

  record Result(int code, String out, String err) {}

  static Result sign(String... args) {
    return signWithEnvironment(Map.of(SignCommand.KEY_ENV, Demo.SIGNING_KEY), args);
  }

  static Result signWithEnvironment(Map<String, String> environment, String... args) {
    CommandLine cmd =
        new CommandLine(new SignCommand(environment))
            .setExecutionExceptionHandler(
                (e, c, parsed) -> {
                  c.getErr().println("imgcdn sign: " + e.getMessage());
                  return 2;
                });
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cmd.setOut(new PrintWriter(out));
    cmd.setErr(new PrintWriter(err));
    int code = cmd.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  /**
   * Runs an example with the cluster's key in its environment and {@code objectKey} as its last
   * argument; its one line of output. The object key travels through a file and the shell, so its
   * UTF-8 bytes reach the program whatever this JVM's locale makes of command-line arguments.
   */
  static String run(List<String> argv, String objectKey) throws IOException, InterruptedException {
    Path keyFile = Files.createTempFile(dir, "object-key", ".txt");
    Files.writeString(keyFile, objectKey, StandardCharsets.UTF_8);
    List<String> shell =
        new ArrayList<>(List.of("sh", "-c", "exec \"$@\" \"$(cat \"$OBJECT_KEY_FILE\")\"", "sh"));
    shell.addAll(argv);
    ProcessBuilder pb = new ProcessBuilder(shell).directory(examples.toFile());
    pb.environment().put("OBJECT_KEY_FILE", keyFile.toString());
    pb.environment().put("LC_ALL", "C.UTF-8");
    pb.environment().put(SignCommand.KEY_ENV, Demo.SIGNING_KEY);
    // Go keeps its build cache under HOME; give it one of the test's own.
    pb.environment().put("GOCACHE", dir.resolve("gocache").toString());
    pb.environment().put("GOPATH", dir.resolve("gopath").toString());
    Path stderr = Files.createTempFile(dir, "stderr", ".txt");
    pb.redirectError(stderr.toFile());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("%s finished", argv).isTrue();
    assertThat(p.exitValue()).as("%s: %s", argv, Files.readString(stderr)).isZero();
    return out.strip();
  }

  static Path repositoryRoot() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("examples/signing"))) {
        return p;
      }
    }
    throw new IllegalStateException("no examples/signing above " + Path.of("").toAbsolutePath());
  }
}
