package io.imgcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.common.config.ConfigException;
import io.imgcdn.common.testing.NettyLeakWatch;
import io.imgcdn.edge.tls.CertificateFiles;
import io.imgcdn.edge.tls.TlsTesting;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cleartext port beside HTTPS: redirected to https, or off; and a bad certificate at start. */
class EdgeTlsCleartextTest {
  @TempDir static Path dir;
  static FakeShard shard;
  static EdgeServer edge;
  static CertificateFiles certificate;
  static NettyLeakWatch leaks;
  static final HttpClient HTTP =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @BeforeAll
  static void start() {
    leaks = new NettyLeakWatch();
    certificate = TlsTesting.certificate(dir, "localhost", "dns:localhost", "ip:127.0.0.1");
    shard = new FakeShard("shard-1");
    shard.objects.put("/photos/a.jpg", "bytes".getBytes(StandardCharsets.US_ASCII));
    edge =
        Edges.start(
            dir,
            List.of(shard),
            Map.of(
                "edge.tls.port", "0",
                "edge.tls.certificates", certificate.toString(),
                "edge.tls.cleartext", "redirect"));
  }

  @AfterAll
  static void stop() {
    Edges.stopClean(edge, shard, leaks);
  }

  static HttpResponse<String> send(String method, String path) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.port() + path))
            .method(method, HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void redirect_getAndHead_movePermanentlyToTheSameTargetOnHttps() throws Exception {
    int shardRequests = shard.requests.values().stream().mapToInt(n -> n.get()).sum();
    for (String method : List.of("GET", "HEAD")) {
      HttpResponse<String> r = send(method, "/photos/a.jpg?v=2");
      assertThat(r.statusCode()).isEqualTo(301);
      assertThat(r.headers().firstValue("Location"))
          .hasValue("https://127.0.0.1:" + edge.tlsPort() + "/photos/a.jpg?v=2");
      assertThat(r.headers().firstValue("X-Cache")).hasValue("edge-1;redirect");
      assertThat(r.body()).isEmpty();
    }
    assertThat(shard.requests.values().stream().mapToInt(n -> n.get()).sum())
        .as("nothing reached a shard")
        .isEqualTo(shardRequests);
  }

  @Test
  void redirect_otherMethods_get405AsOnAnyPort() throws Exception {
    HttpResponse<String> r = send("POST", "/photos/a.jpg");
    assertThat(r.statusCode()).isEqualTo(405);
    assertThat(r.headers().firstValue("Allow")).hasValue("GET, HEAD");
  }

  @Test
  void redirect_curlFollowsIt_toTheObjectOverHttps() {
    TlsTesting.Run curl =
        TlsTesting.run(
            null,
            "curl",
            "-sS",
            "-L",
            "--http1.1",
            "--cacert",
            certificate.chain().toString(),
            "-w",
            " %{http_code} %{scheme} %{num_redirects}",
            "http://127.0.0.1:" + edge.port() + "/photos/a.jpg");
    assertThat(curl.output()).isEqualTo("bytes 200 HTTPS 1");
  }

  @Test
  void redirect_absoluteFormTarget_namesItsHost_andNoHostIsRefused() throws Exception {
    assertThat(
            raw(
                String.join(
                    "\r\n",
                    "GET http://img.example.com:8080/a.jpg HTTP/1.1",
                    "Host: other",
                    "Connection: close",
                    "",
                    "")))
        .startsWith("HTTP/1.1 301 ")
        .contains("location: https://img.example.com:" + edge.tlsPort() + "/a.jpg\r\n");
    assertThat(raw("GET /a.jpg HTTP/1.0\r\n\r\n"))
        .startsWith("HTTP/1.1 400 ")
        .contains("a valid Host header is needed to redirect to https");
  }

  @Test
  void off_opensNoCleartextPort() {
    EdgeServer secureOnly =
        Edges.start(
            dir,
            List.of(shard),
            Map.of(
                "edge.tls.port", "0",
                "edge.tls.certificates", certificate.toString(),
                "edge.tls.cleartext", "off"));
    try {
      assertThat(secureOnly.port()).isEqualTo(-1);
      assertThat(secureOnly.serving()).isNull();
      TlsTesting.Run curl =
          TlsTesting.run(
              null,
              "curl",
              "-sS",
              "--cacert",
              certificate.chain().toString(),
              "https://127.0.0.1:" + secureOnly.tlsPort() + "/photos/a.jpg");
      assertThat(curl.output()).isEqualTo("bytes");
    } finally {
      secureOnly.close();
    }
  }

  @Test
  void start_withUnusableFiles_failsNamingEach() {
    CertificateFiles missing =
        new CertificateFiles(dir.resolve("missing.pem"), dir.resolve("missing.key"));
    CertificateFiles expired = TlsTesting.expired(dir, "expired", "ip:127.0.0.1");
    assertThatThrownBy(
            () ->
                Edges.start(
                    dir,
                    List.of(shard),
                    Map.of(
                        "edge.tls.port",
                        "0",
                        "edge.tls.certificates",
                        missing + "," + expired,
                        "edge.tls.ticket-key-file",
                        certificate.chain().toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("edge.tls.ticket-key-file: " + certificate.chain() + ": ")
        .hasMessageContaining(
            "edge.tls.certificates: " + missing.chain() + ": cannot read (java.nio.file.NoSuch")
        .hasMessageContaining(
            "edge.tls.certificates: "
                + expired.chain()
                + ": the certificate for CN=expired"
                + " expired at");
  }

  /** One request that closes its new cleartext connection, as written; the answer as read. */
  static String raw(String request) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", edge.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }
}
