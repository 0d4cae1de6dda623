package io.imgcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.testing.NettyLeakWatch;
import io.imgcdn.edge.tls.CertificateFiles;
import io.imgcdn.edge.tls.TlsTesting;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates and ticket keys replaced while the edge serves HTTPS: under a steady load nothing
 * fails, connections made before keep their certificate, new ones get the new one; a bad
 * replacement leaves the old one serving and is counted.
 */
class EdgeTlsReloadTest {
  @TempDir Path dir;
  FakeShard shard;
  EdgeServer edge;
  CertificateFiles serving;
  NettyLeakWatch leaks;

  static final byte[] BODY = new byte[10_000];

  static {
    new SecureRandom().nextBytes(BODY);
  }

  @BeforeEach
  void start() throws Exception {
    leaks = new NettyLeakWatch();
    serving = TlsTesting.certificate(dir, "v1", "dns:localhost", "ip:127.0.0.1");
    // The files the edge is configured with; deploys replace them.
    serving = copy(serving, new CertificateFiles(dir.resolve("live.pem"), dir.resolve("live.key")));
    shard = new FakeShard("shard-1");
    shard.objects.put("/photos/a.jpg", BODY);
    edge =
        Edges.start(
            dir,
            List.of(shard),
            Map.of(
                "edge.tls.port", "0",
                "edge.tls.certificates", serving.toString(),
                "edge.tls.reload-interval", "100ms"));
  }

  @AfterEach
  void stop() {
    Edges.stopClean(edge, shard, leaks);
  }

  static CertificateFiles copy(CertificateFiles from, CertificateFiles to) {
    TlsTesting.replace(from.chain(), to.chain());
    TlsTesting.replace(from.key(), to.key());
    return to;
  }

  /** One request on a new connection (a new client: no session to resume); its certificate. */
  X509Certificate freshRequest(TrustManager[] trust) throws Exception {
    try (SSLSocket socket =
        (SSLSocket) TlsTesting.trusting(trust).getSocketFactory().createSocket()) {
      SSLParameters parameters = socket.getSSLParameters();
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      parameters.setServerNames(List.of(new SNIHostName("localhost")));
      socket.setSSLParameters(parameters);
      socket.connect(new InetSocketAddress("127.0.0.1", edge.tlsPort()), 5_000);
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write(
          "GET /photos/a.jpg HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] response = in.readAllBytes();
      String head = new String(response, 0, Math.min(response.length, 15), StandardCharsets.UTF_8);
      if (!head.startsWith("HTTP/1.1 200 ") || response.length < BODY.length) {
        throw new AssertionError("unexpected answer: " + head + " (" + response.length + " bytes)");
      }
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }

  record Seen(long startNanos, long endNanos, X509Certificate certificate) {
    String subject() {
      return certificate.getSubjectX500Principal().getName();
    }
  }

  /** When the first connection that got the new certificate ended. */
  static long firstNew(java.util.Collection<Seen> fresh) {
    return fresh.stream()
        .filter(seen -> seen.subject().equals("CN=v2"))
        .mapToLong(Seen::endNanos)
        .min()
        .orElseThrow();
  }

  @Test
  void replacedFiles_underLoad_failNothing_andNewConnectionsGetTheNewCertificate()
      throws Exception {
    CertificateFiles v2 =
        TlsTesting.certificate(
            dir,
            "v2",
            io.imgcdn.edge.tls.SelfSignedCertificates.KeyType.RSA,
            java.time.Duration.ofDays(1),
            java.time.Duration.ofDays(60),
            "dns:localhost",
            "ip:127.0.0.1");
    TrustManager[] trust = TlsTesting.trustManagers(serving.chain(), v2.chain());
    HttpClient keepAlive =
        HttpClient.newBuilder()
            .sslContext(TlsTesting.trusting(trust))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    URI uri = URI.create("https://localhost:" + edge.tlsPort() + "/photos/a.jpg");

    AtomicBoolean stop = new AtomicBoolean();
    ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Seen> fresh = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Seen> reused = new ConcurrentLinkedQueue<>();
    AtomicInteger requests = new AtomicInteger();
    ExecutorService load = Executors.newFixedThreadPool(4);
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      workers.add(
          load.submit(
              () -> {
                while (!stop.get()) {
                  long start = System.nanoTime();
                  try {
                    X509Certificate seen = freshRequest(trust);
                    fresh.add(new Seen(start, System.nanoTime(), seen));
                    requests.incrementAndGet();
                  } catch (Exception | AssertionError e) {
                    failures.add("new connection: " + e);
                  }
                }
              }));
      workers.add(
          load.submit(
              () -> {
                while (!stop.get()) {
                  long start = System.nanoTime();
                  try {
                    HttpResponse<byte[]> r =
                        keepAlive.send(
                            HttpRequest.newBuilder(uri).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    if (r.statusCode() != 200 || r.body().length != BODY.length) {
                      failures.add("keep-alive: " + r.statusCode());
                    }
                    reused.add(
                        new Seen(
                            start,
                            System.nanoTime(),
                            (X509Certificate) r.sslSession().get().getPeerCertificates()[0]));
                    requests.incrementAndGet();
                  } catch (Exception e) {
                    failures.add("keep-alive: " + e);
                  }
                }
              }));
    }
    try {
      await("100 requests", () -> requests.get() >= 100);
      copy(v2, serving); // chain, then key: the watcher waits until both are in place
      await(
          "a new connection gets the new certificate",
          () -> fresh.stream().anyMatch(seen -> seen.subject().equals("CN=v2")));
      long switched = firstNew(fresh);
      await(
          "30 more new connections",
          () -> fresh.stream().filter(seen -> seen.startNanos() > switched).count() >= 30);
    } finally {
      stop.set(true);
      for (Future<?> worker : workers) {
        worker.get();
      }
      load.shutdown();
    }

    assertThat(failures).as("failed requests").isEmpty();
    long switched = firstNew(fresh);
    assertThat(fresh).filteredOn(seen -> seen.endNanos() < switched).isNotEmpty();
    assertThat(fresh)
        .filteredOn(seen -> seen.startNanos() > switched)
        .as("every connection made after the switch")
        .hasSizeGreaterThanOrEqualTo(30)
        .extracting(Seen::subject)
        .containsOnly("CN=v2");
    assertThat(reused)
        .filteredOn(seen -> seen.startNanos() > switched)
        .as("keep-alive connections made before the switch keep their certificate")
        .extracting(Seen::subject)
        .contains("CN=v1");
    assertThat(reloads(edge, "certificate", "applied")).isEqualTo(1.0);
    assertThat(reloads(edge, "certificate", "rejected"))
        .as("no half-written pair was read")
        .isZero();
  }

  @Test
  void badReplacements_keepTheOldCertificate_andAreCounted() throws Exception {
    X509Certificate old = TlsTesting.leaf(serving.chain());
    CertificateFiles stranger = TlsTesting.certificate(dir, "stranger", "ip:127.0.0.1");
    CertificateFiles expired = TlsTesting.expired(dir, "expired", "ip:127.0.0.1");
    TrustManager[] trust = TlsTesting.trustManagers(serving.chain(), stranger.chain());

    // A key of another certificate, noticed by the file watch.
    TlsTesting.replace(stranger.key(), serving.key());
    await("the watch refuses the change", () -> reloads(edge, "certificate", "rejected") == 1);
    assertThat(freshRequest(trust)).isEqualTo(old);

    // The admin call reports each bad pair and counts it.
    assertThat(adminReload(edge))
        .startsWith("422 ")
        .contains("kept the one in service: " + serving.key())
        .contains("this key does not belong to the first certificate");
    Files.writeString(serving.chain(), "not a certificate\n");
    assertThat(adminReload(edge)).startsWith("422 ").contains("no certificate");
    copy(expired, serving);
    assertThat(adminReload(edge)).startsWith("422 ").contains("expired at");
    Files.write(serving.key(), new byte[] {1, 2, 3});
    assertThat(adminReload(edge)).startsWith("422 ").contains("no private key");
    // Counted once per bad contents: the admin call on the watch's find did not count it again.
    assertThat(reloads(edge, "certificate", "rejected")).isEqualTo(4.0);
    assertThat(reloads(edge, "certificate", "applied")).isZero();
    assertThat(freshRequest(trust)).as("still the old certificate").isEqualTo(old);

    // A good pair is taken again.
    copy(stranger, serving);
    assertThat(adminReload(edge)).startsWith("200 ").contains("replaced");
    assertThat(freshRequest(trust)).isEqualTo(TlsTesting.leaf(stranger.chain()));
  }

  @Test
  void ticketKeyFile_replaced_theNewestEncrypts_andTheOthersStillDecrypt() throws Exception {
    byte[] k1 = random(48);
    byte[] k2 = random(48);
    Path file = dir.resolve("ticket.key");
    Files.write(file, k1);
    EdgeServer tickets =
        Edges.start(
            dir,
            List.of(shard),
            Map.of(
                "edge.tls.port", "0",
                "edge.tls.certificates", serving.toString(),
                "edge.tls.ticket-key-file", file.toString()));
    try {
      int port = tickets.tlsPort();
      String s1 = dir.resolve("s1.pem").toString();
      String s2 = dir.resolve("s2.pem").toString();
      assertThat(TlsTesting.sClient(port, "-tls1_3", "-sess_out", s1).output()).contains("New,");

      Files.write(file, concat(k2, k1)); // a new key in front, the old one kept
      assertThat(adminReload(tickets)).startsWith("200 ").contains("ticket keys: replaced");
      assertThat(TlsTesting.sClient(port, "-tls1_3", "-sess_in", s1).output())
          .as("a ticket of the old key still resumes")
          .contains("Reused,");
      assertThat(TlsTesting.sClient(port, "-tls1_3", "-sess_out", s2).output()).contains("New,");

      Files.write(file, k2); // the old key dropped
      assertThat(adminReload(tickets)).startsWith("200 ");
      assertThat(TlsTesting.sClient(port, "-tls1_3", "-sess_in", s1).output())
          .as("a ticket of a dropped key does not resume")
          .contains("New,");
      assertThat(TlsTesting.sClient(port, "-tls1_3", "-sess_in", s2).output())
          .as("a ticket of the new key resumes")
          .contains("Reused,");

      Files.write(file, random(47));
      assertThat(adminReload(tickets))
          .startsWith("422 ")
          .contains("ticket keys: kept the one in service: " + file + ": 47 bytes");
      assertThat(reloads(tickets, "ticket-keys", "rejected")).isEqualTo(1.0);
      assertThat(TlsTesting.sClient(port, "-tls1_3", "-sess_in", s2).output())
          .as("the keys in service stay")
          .contains("Reused,");
    } finally {
      tickets.close();
    }
  }

  static byte[] random(int n) {
    byte[] bytes = new byte[n];
    new SecureRandom().nextBytes(bytes);
    return bytes;
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }

  /** Checks {@code condition} every 20 ms until it holds; fails after 60 s. */
  static void await(String what, java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as(what + " within 60 s").isLessThan(deadline);
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
    }
  }

  static String adminReload(EdgeServer edge) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + edge.adminPort() + "/admin/tls/reload"))
                    .header("Authorization", "Bearer t")
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }

  /** imgcdn_tls_reloads_total{file, result} from the admin port's /metrics; 0 before the first. */
  static double reloads(EdgeServer edge, String file, String result) {
    String metrics;
    try {
      metrics =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + edge.adminPort() + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
    } catch (java.io.IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
    for (String line : metrics.split("\n")) {
      if (line.startsWith("imgcdn_tls_reloads_total{")
          && line.contains("file=\"" + file + "\"")
          && line.contains("result=\"" + result + "\"")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return 0;
  }
}
