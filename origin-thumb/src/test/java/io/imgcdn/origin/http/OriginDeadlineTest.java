package io.imgcdn.origin.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The origin in front of a hung S3: a loopback server that accepts connections, reads what comes
 * and never answers. The S3 timeout and the caller's deadline bound every call, the breaker opens
 * after consecutive S3 timeouts, and the SDK's connections are closed, not left waiting.
 */
class OriginDeadlineTest extends OriginServerHarness {
  private ServerSocket hung;
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger closedByClient = new AtomicInteger();

  @BeforeEach
  void startHungS3() throws IOException {
    hung = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
    Thread.ofPlatform()
        .daemon(true)
        .start(
            () -> {
              while (!hung.isClosed()) {
                try {
                  Socket s = hung.accept();
                  accepted.incrementAndGet();
                  Thread.ofVirtual().start(() -> holdUntilClosed(s));
                } catch (IOException e) {
                  return;
                }
              }
            });
  }

  /** Answers every request on {@code s} with S3's 503 SlowDown, then closes. */
  private static void slowDown(Socket s) {
    try (s) {
      InputStream in = s.getInputStream();
      int last = 0;
      int c;
      while ((c = in.read()) >= 0 && !(last == '\n' && c == '\r')) {
        last = c == '\r' ? last : c;
      }
      String body =
          "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SlowDown</Code>"
              + "<Message>Please reduce your request rate.</Message></Error>";
      s.getOutputStream()
          .write(
              ("HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: "
                      + body.length()
                      + "\r\nConnection: close\r\n\r\n"
                      + body)
                  .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    } catch (IOException e) {
      // the client left
    }
  }

  private volatile boolean throttling;

  private void holdUntilClosed(Socket s) {
    if (throttling) {
      slowDown(s);
      return;
    }
    try (s;
        InputStream in = s.getInputStream()) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
      closedByClient.incrementAndGet();
    } catch (IOException e) {
      closedByClient.incrementAndGet();
    }
  }

  @AfterEach
  void stopHungS3() throws IOException {
    hung.close();
  }

  private String hungEndpoint() {
    return "http://127.0.0.1:" + hung.getLocalPort();
  }

  private HttpResponse<String> getWithin(String path, String deadline) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + origin.port() + path))
            .timeout(Duration.ofSeconds(60));
    if (deadline != null) {
      b.header("X-Imgcdn-Deadline", deadline);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void s3Hung_timeoutsNameS3_breakerOpensThenRefusesAtOnce_connectionsClosed() throws Exception {
    start(
        Map.of(
            "origin.s3.endpoint", hungEndpoint(),
            "origin.s3.timeout", "300ms",
            "origin.s3.breaker.timeouts", "2",
            "origin.s3.breaker.open-for", "1h"));
    for (String key : new String[] {"/h/1.jpg", "/v/w150/h/2.jpg"}) {
      long start = System.nanoTime();
      HttpResponse<String> r = getWithin(key, null);
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertThat(r.statusCode()).as(key).isEqualTo(504);
      assertThat(r.body()).isEqualTo("origin-1: S3 timeout after 300 ms\n");
      assertThat(r.headers().firstValue("X-Cache")).hasValue("origin-1;error");
      assertThat(millis).as(key).isBetween(300L, 5_000L);
    }
    assertThat(metric("imgcdn_origin_s3_breaker_state")).as("open").isEqualTo(2);
    assertThat(metric("imgcdn_origin_s3_breaker_opens_total")).isEqualTo(1);

    int acceptedBefore = accepted.get();
    long start = System.nanoTime();
    HttpResponse<String> refused = getWithin("/h/3.jpg", null);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.body()).startsWith("origin-1: S3 circuit open (2 S3 timeouts in a row)");
    assertThat(refused.headers().firstValue("Retry-After")).hasValue("1");
    assertThat(millis).as("at once, without S3").isLessThan(300L);
    assertThat(metric("imgcdn_origin_s3_breaker_refused_total")).isEqualTo(1);

    assertThat(accepted.get())
        .as("the refused call opened no connection")
        .isEqualTo(acceptedBefore);
    for (int i = 0; i < 200 && closedByClient.get() < accepted.get(); i++) {
      LockSupport.parkNanos(Duration.ofMillis(25).toNanos());
    }
    assertThat(closedByClient.get())
        .as("a timed-out call's connection is closed by the SDK, not left to wait")
        .isEqualTo(accepted.get());
  }

  @Test
  void s3Throttling_namedAsS3sAnswer_notATimeout_breakerStaysClosed() throws Exception {
    throttling = true;
    start(
        Map.of(
            "origin.s3.endpoint", hungEndpoint(),
            "origin.s3.timeout", "300ms",
            "origin.s3.breaker.timeouts", "2"));
    // The SDK's first call loads its classes, which can take longer than 300 ms: one call first.
    getWithin("/slow/0.jpg", null);
    for (String key : new String[] {"/slow/1.jpg", "/slow/2.jpg"}) {
      HttpResponse<String> r = getWithin(key, null);
      assertThat(r.statusCode()).as(key).isEqualTo(502);
      assertThat(r.body()).as(key).startsWith("origin-1: S3 answered 503");
    }
    assertThat(metric("imgcdn_origin_s3_breaker_opens_total"))
        .as("S3 answers (503 SlowDown): it is not hung")
        .isZero();
  }

  @Test
  void callersDeadline_spentOnArrival_noS3Call_shortOne_cutsS3CallWithoutCountingIt()
      throws Exception {
    start(
        Map.of(
            "origin.s3.endpoint", hungEndpoint(),
            "origin.s3.timeout", "10s",
            "origin.s3.breaker.timeouts", "1"));
    HttpResponse<String> spent = getWithin("/d/1.jpg", "0");
    assertThat(spent.statusCode()).isEqualTo(504);
    assertThat(spent.body())
        .isEqualTo("origin-1: deadline spent before S3 was asked (0 ms given)\n");
    assertThat(accepted.get()).as("S3 never asked").isZero();

    long start = System.nanoTime();
    HttpResponse<String> cut = getWithin("/d/2.jpg", "600");
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertThat(cut.statusCode()).isEqualTo(504);
    assertThat(cut.body()).startsWith("origin-1: deadline spent waiting for S3 (");
    assertThat(millis)
        .as("the 500 ms left after the margin, not the 10 s S3 timeout")
        .isBetween(500L, 5_000L);
    assertThat(metric("imgcdn_origin_s3_breaker_state"))
        .as("the caller's hurry says nothing about S3: not counted")
        .isZero();
    assertThat(metric("imgcdn_origin_s3_breaker_opens_total")).isZero();
  }
}
