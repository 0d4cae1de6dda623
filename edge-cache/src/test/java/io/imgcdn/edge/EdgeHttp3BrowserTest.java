package io.imgcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.imgcdn.common.testing.NettyLeakWatch;
import io.imgcdn.edge.tls.CertificateFiles;
import io.imgcdn.edge.tls.TlsTesting;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/3 as a browser sees it: headless Chromium, told to speak QUIC to the edge's HTTPS origin
 * (--origin-to-force-quic-on) and to trust its certificate by its key's hash, loads pictures from
 * it into a page of another origin, and the Resource Timing API reports them fetched over "h3".
 */
class EdgeHttp3BrowserTest {
  @TempDir Path dir;
  private final NettyLeakWatch leaks = new NettyLeakWatch();
  private final FakeShard shard = new FakeShard("shard-1");
  private CertificateFiles localhost;
  private HttpServer page;
  private EdgeServer edge;

  @BeforeEach
  void start() throws Exception {
    localhost = TlsTesting.certificate(dir, "localhost", "dns:localhost", "ip:127.0.0.1");
    shard.objects.put("/photos/a.jpg", EdgeServerTest.bytes(20_000, 3));
    shard.objects.put("/photos/b.jpg", EdgeServerTest.bytes(40_000, 5));
    edge =
        Edges.start(
            dir,
            List.of(shard),
            Map.of(
                "edge.tls.port", "0",
                "edge.tls.certificates", localhost.toString(),
                "server.http2.enabled", "true",
                "server.http3.enabled", "true",
                // Resource Timing shows another origin's protocol only with its consent.
                "edge.policy.prefix.photos.match", "photos/",
                "edge.policy.prefix.photos.headers", "Timing-Allow-Origin: *"));
    page = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    page.start();
  }

  @AfterEach
  void stop() {
    page.stop(0);
    Edges.stopClean(edge, shard, leaks);
  }

  @Test
  void chromium_forcedOntoQuic_reportsH3ForTheEdgesPictures() throws Exception {
    String origin = "https://127.0.0.1:" + edge.tlsPort();
    String html =
        """
        <!doctype html><html><body><pre id="out">pending</pre><script>
        Promise.all(['/photos/a.jpg', '/photos/b.jpg'].map(p =>
            fetch('ORIGIN' + p, {mode: 'cors'}).then(r => r.arrayBuffer().then(b => r.status + ':' + b.byteLength))))
          .then(sizes => {
            const protocols = performance.getEntriesByType('resource')
              .filter(e => e.name.startsWith('ORIGIN'))
              .map(e => e.name.substring('ORIGIN'.length) + '=' + e.nextHopProtocol);
            document.getElementById('out').textContent = 'sizes ' + sizes.join(',') + ' protocols ' + protocols.join(',');
          })
          .catch(e => { document.getElementById('out').textContent = 'failed ' + e; });
        </script></body></html>
        """
            .replace("ORIGIN", origin);
    byte[] body = html.getBytes(StandardCharsets.UTF_8);
    page.createContext(
        "/page.html",
        x -> {
          x.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
          x.sendResponseHeaders(200, body.length);
          x.getResponseBody().write(body);
          x.close();
        });
    String dom =
        dom(
            "http://127.0.0.1:" + page.getAddress().getPort() + "/page.html",
            "--origin-to-force-quic-on=127.0.0.1:" + edge.tlsPort(),
            "--ignore-certificate-errors-spki-list=" + spki(localhost.chain()));
    assertThat(dom)
        .contains("sizes 200:20000,200:40000")
        .contains("/photos/a.jpg=h3")
        .contains("/photos/b.jpg=h3");
    java.util.regex.Matcher h3Requests =
        java.util.regex.Pattern.compile(
                "imgcdn_protocol_requests_total\\{[^}]*protocol=\"h3\"[^}]*} ([0-9.E]+)")
            .matcher(adminGet("/metrics"));
    assertThat(h3Requests.find()).isTrue();
    assertThat(Double.parseDouble(h3Requests.group(1))).isGreaterThanOrEqualTo(2);
  }

  /** Chromium's pin of a certificate: base64 of the SHA-256 of its SubjectPublicKeyInfo. */
  private static String spki(Path chain) throws Exception {
    byte[] info = TlsTesting.leaf(chain).getPublicKey().getEncoded();
    return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256").digest(info));
  }

  private String adminGet(String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + edge.adminPort() + path))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /**
   * The DOM of {@code url} after its scripts ran (headless Chromium, --dump-dom, a virtual time
   * budget for the fetches), with {@code flags}; the process is stopped by pid (with its children)
   * at the end.
   */
  private String dom(String url, String... flags) throws Exception {
    Path profile = Files.createTempDirectory(dir, "chromium-profile");
    Path out = Files.createTempFile(dir, "chromium", ".out");
    List<String> command =
        new java.util.ArrayList<>(
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
                "--user-data-dir=" + profile,
                "--virtual-time-budget=10000"));
    command.addAll(List.of(flags));
    command.addAll(List.of("--dump-dom", url));
    Process p =
        new ProcessBuilder(command)
            .redirectOutput(out.toFile())
            .redirectError(dir.resolve("chromium.err").toFile())
            .start();
    try {
      if (!p.waitFor(90, TimeUnit.SECONDS)) {
        throw new AssertionError("chromium did not finish within 90 s: " + command);
      }
      return Files.readString(out, StandardCharsets.UTF_8);
    } finally {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    }
  }
}
