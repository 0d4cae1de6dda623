package io.imgcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.testing.NettyLeakWatch;
import io.imgcdn.edge.tls.CertificateFiles;
import io.imgcdn.edge.tls.SelfSignedCertificates;
import io.imgcdn.edge.tls.TlsTesting;
import io.imgcdn.edge.tls.TlsTesting.Run;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An edge serving HTTPS to real clients on loopback: curl, openssl s_client and the JDK's
 * HttpClient. Two certificates chosen by SNI, TLS 1.2 and 1.3 only, the server's cipher order, and
 * session resumption with a ticket key file shared by two edges.
 */
class EdgeTlsTest {
  @TempDir static Path dir;
  static FakeShard shard;
  static EdgeServer edge;
  static CertificateFiles localhost;
  static CertificateFiles other;
  static Path ticketKeys;
  static NettyLeakWatch leaks;

  static final byte[] BODY = "a picture's bytes".getBytes(StandardCharsets.US_ASCII);

  @BeforeAll
  static void start() throws Exception {
    leaks = new NettyLeakWatch();
    localhost =
        TlsTesting.certificate(dir, "localhost", "dns:localhost", "ip:127.0.0.1", "dns:a.test");
    other =
        TlsTesting.certificate(
            dir,
            "b.test",
            SelfSignedCertificates.KeyType.RSA,
            Duration.ofDays(1),
            Duration.ofDays(90),
            "dns:b.test",
            "dns:*.b.test");
    ticketKeys = dir.resolve("ticket.key");
    byte[] keys = new byte[96]; // two keys
    new SecureRandom().nextBytes(keys);
    Files.write(ticketKeys, keys);
    shard = new FakeShard("shard-1");
    shard.objects.put("/photos/a.jpg", BODY);
    edge = Edges.start(dir, List.of(shard), tls(ticketKeys));
  }

  static Map<String, String> tls(Path ticketKeyFile) {
    return Map.of(
        "edge.tls.port",
        "0",
        "edge.tls.certificates",
        localhost + "," + other,
        "edge.tls.ticket-key-file",
        ticketKeyFile.toString()); // HTTP/2 by default: ALPN offers h2
  }

  @AfterAll
  static void stop() {
    Edges.stopClean(edge, shard, leaks);
  }

  @Test
  void curl_http11_overHttps_servesTheObject() {
    Run curl =
        TlsTesting.run(
            null,
            "curl",
            "-sS",
            "--http1.1",
            "--cacert",
            localhost.chain().toString(),
            "-D",
            "-",
            "https://127.0.0.1:" + edge.tlsPort() + "/photos/a.jpg");
    assertThat(curl.exit()).as(curl.output()).isZero();
    assertThat(curl.output())
        .startsWith("HTTP/1.1 200 ")
        .containsIgnoringCase("x-cache: edge-1;")
        .endsWith("a picture's bytes");
  }

  @Test
  void curl_withoutTheCertificateTrusted_refusesIt() {
    Run curl =
        TlsTesting.run(
            null, "curl", "-sS", "--http1.1", "https://127.0.0.1:" + edge.tlsPort() + "/");
    assertThat(curl.exit()).isEqualTo(60); // peer certificate cannot be authenticated
  }

  @Test
  void sClient_tls13_negotiatesTls13() {
    Run run = TlsTesting.sClient(edge.tlsPort(), "-tls1_3");
    assertThat(run.output()).contains("New, TLSv1.3, Cipher is TLS_").contains("HTTP/1.1 404");
  }

  @Test
  void sClient_tls12_negotiatesEcdheWithAesGcm() {
    Run run = TlsTesting.sClient(edge.tlsPort(), "-tls1_2");
    assertThat(run.output()).contains("New, TLSv1.2, Cipher is ECDHE-ECDSA-AES128-GCM-SHA256");
  }

  @Test
  void sClient_tls12_theServerOrderWins() {
    // The client prefers ChaCha20 and offers AES-GCM second: the server's order picks AES-GCM.
    Run run =
        TlsTesting.sClient(
            edge.tlsPort(),
            "-tls1_2",
            "-cipher",
            "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-ECDSA-AES128-GCM-SHA256");
    assertThat(run.output()).contains("Cipher is ECDHE-ECDSA-AES128-GCM-SHA256");
  }

  @Test
  void sClient_tls12_withoutForwardSecrecyOrAead_isRefused() {
    Run run = TlsTesting.sClient(edge.tlsPort(), "-tls1_2", "-cipher", "AES128-SHA:AES256-SHA");
    assertThat(run.output()).contains("alert handshake failure").doesNotContain("Cipher is AES");
  }

  @Test
  void sClient_tls11_isRefusedByTheServer() {
    // SECLEVEL=0 lets OpenSSL 3 offer TLS 1.1 at all: the refusal must be the server's alert 70.
    Run run = TlsTesting.sClient(edge.tlsPort(), "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0");
    assertThat(run.output()).contains("alert protocol version").doesNotContain("New, TLSv1.1");
  }

  @Test
  void sClient_serverName_picksTheCertificateForThatName() {
    assertThat(TlsTesting.sClient(edge.tlsPort(), "-servername", "b.test").output())
        .contains("subject=CN = b.test");
    assertThat(TlsTesting.sClient(edge.tlsPort(), "-servername", "img.b.test").output())
        .as("wildcard")
        .contains("subject=CN = b.test");
    assertThat(TlsTesting.sClient(edge.tlsPort(), "-servername", "a.test").output())
        .contains("subject=CN = localhost");
  }

  @Test
  void sClient_noOrUnknownServerName_getsTheFirstCertificate() {
    assertThat(TlsTesting.sClient(edge.tlsPort(), "-noservername").output())
        .contains("subject=CN = localhost");
    assertThat(TlsTesting.sClient(edge.tlsPort(), "-servername", "unknown.example").output())
        .contains("subject=CN = localhost");
  }

  @Test
  void sClient_alpn_prefersH2_andAgreesOnHttp11WithClientsWithoutIt() {
    // The client lists http/1.1 first; the server's order picks h2. (grep: the h2 connection
    // preface that follows is binary.)
    Run h2 =
        TlsTesting.run(
            null,
            "sh",
            "-c",
            "openssl s_client -connect 127.0.0.1:"
                + edge.tlsPort()
                + " -alpn http/1.1,h2 </dev/null 2>&1 | grep -a 'ALPN protocol'");
    assertThat(h2.output()).contains("ALPN protocol: h2");
    Run run = TlsTesting.sClient(edge.tlsPort(), "-alpn", "http/1.1");
    assertThat(run.output()).contains("ALPN protocol: http/1.1").contains("HTTP/1.1 404");
  }

  @Test
  void sClient_sessionTicket_resumesOnThisEdgeAndOnAnotherSharingTheKeyFile() throws Exception {
    for (String version : List.of("-tls1_3", "-tls1_2")) {
      Path session = dir.resolve("session" + version + ".pem");
      Run first = TlsTesting.sClient(edge.tlsPort(), version, "-sess_out", session.toString());
      assertThat(first.output()).contains("New, TLSv1.");
      assertThat(
              TlsTesting.sClient(edge.tlsPort(), version, "-sess_in", session.toString()).output())
          .as("resumed on the same edge, " + version)
          .contains("Reused, TLSv1.");
      EdgeServer sibling = Edges.start(dir, List.of(shard), tls(ticketKeys));
      Path otherKeys = dir.resolve("other" + version + ".key");
      byte[] keys = new byte[48];
      new SecureRandom().nextBytes(keys);
      Files.write(otherKeys, keys);
      EdgeServer stranger = Edges.start(dir, List.of(shard), tls(otherKeys));
      try {
        assertThat(
                TlsTesting.sClient(sibling.tlsPort(), version, "-sess_in", session.toString())
                    .output())
            .as("resumed on another edge with the same ticket keys, " + version)
            .contains("Reused, TLSv1.");
        assertThat(
                TlsTesting.sClient(stranger.tlsPort(), version, "-sess_in", session.toString())
                    .output())
            .as("a full handshake on an edge with other keys, " + version)
            .contains("New, TLSv1.");
      } finally {
        sibling.close();
        stranger.close();
      }
    }
  }

  @Test
  void jdkHttpClient_overHttps_getsTheObjectOverTls13() throws Exception {
    HttpClient client =
        HttpClient.newBuilder()
            .sslContext(TlsTesting.trusting(localhost.chain()))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    HttpResponse<byte[]> response =
        client.send(
            HttpRequest.newBuilder(
                    URI.create("https://127.0.0.1:" + edge.tlsPort() + "/photos/a.jpg"))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(BODY);
    assertThat(response.sslSession()).isPresent();
    assertThat(response.sslSession().get().getProtocol()).isEqualTo("TLSv1.3");
    X509Certificate served = (X509Certificate) response.sslSession().get().getPeerCertificates()[0];
    assertThat(served).isEqualTo(TlsTesting.leaf(localhost.chain()));
    assertThat(response.headers().firstValue("X-Cache"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("edge-1;"));
  }

  @Test
  void jdkHttpClient_largeObjectRelayedFromTheShard_arrivesWholeOverHttps() throws Exception {
    byte[] large = new byte[3 << 20]; // over edge.cache.max-object-bytes: streamed, never cached
    new SecureRandom().nextBytes(large);
    shard.objects.put("/videos/large.bin", large);
    HttpClient client =
        HttpClient.newBuilder()
            .sslContext(TlsTesting.trusting(localhost.chain()))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    for (int i = 0; i < 2; i++) {
      HttpResponse<byte[]> response =
          client.send(
              HttpRequest.newBuilder(
                      URI.create("https://127.0.0.1:" + edge.tlsPort() + "/videos/large.bin"))
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray());
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo(large);
    }
  }

  @Test
  void cleartextPort_stillServes_byDefault() throws Exception {
    HttpResponse<byte[]> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + edge.port() + "/photos/a.jpg"))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo(BODY);
  }

  @Test
  void adminReload_withoutChanges_keepsEverything_andNeedsTheToken() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    URI reload = URI.create("http://127.0.0.1:" + edge.adminPort() + "/admin/tls/reload");
    HttpResponse<String> refused =
        http.send(
            HttpRequest.newBuilder(reload).POST(HttpRequest.BodyPublishers.noBody()).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(refused.statusCode()).isEqualTo(401);
    HttpResponse<String> done =
        http.send(
            HttpRequest.newBuilder(reload)
                .header("Authorization", "Bearer t")
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(done.statusCode()).isEqualTo(200);
    assertThat(done.body())
        .contains("ticket keys: unchanged, serving 2 keys from " + ticketKeys)
        .contains(localhost.chain() + ": unchanged; serving")
        .contains(
            other.chain() + ": unchanged; serving " + other.chain() + " for b.test, *.b.test");
  }
}
