package io.imgcdn.launcher.faults;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import java.util.zip.CRC32C;

/**
 * A bounded closed-loop load from the test itself: {@code clients} threads, each with its own
 * keep-alive HTTP/1.1 connection pool, request keys drawn from a Zipf distribution (a fixed seed
 * per thread) until stopped, and record every outcome with the phase the test had set when the
 * request was sent.
 */
final class ZipfLoad implements AutoCloseable {
  /*
   * Closed loop on purpose: the question in these tests is "does any request fail", not latency under a
   * fixed arrival rate (bench's load generator measures that). Each client thread owns an HttpClient so
   * that a connection cut by a fault affects one client at a time, as browsers behind one edge would be.
   * A body is checked against the CRC32C of what was put into S3 for its key, so a corrupted object
   * counts as a failure even with status 200. Transport errors (the edge itself unreachable) are
   * outcomes with status 0.
   */

  /**
   * One request: when it was sent and ended, the phase when it was sent and when it ended, for
   * which key, and what came back.
   */
  record Outcome(
      long startNanos,
      long endNanos,
      int phase,
      int endPhase,
      int key,
      int status,
      String xCache,
      boolean bodyOk) {
    /**
     * Sent and answered within one phase: what came back is the answer of that phase's conditions.
     */
    boolean withinPhase() {
      return phase == endPhase;
    }

    boolean ok() {
      return status == 200 && bodyOk;
    }

    long millis() {
      return (endNanos - startNanos) / 1_000_000;
    }
  }

  /** What the load asks for: key i's path and the CRC32C its body must have (-1: do not check). */
  interface Keys {
    int size();

    String path(int key);

    long crc(int key);
  }

  private final String baseUrl;
  private final Keys keys;
  private final double[] cdf;
  private final int clients;
  private final long maxRequests;
  private final Duration requestTimeout;
  private final ConcurrentLinkedQueue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
  private final AtomicLong sent = new AtomicLong();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final List<Thread> threads = new ArrayList<>();
  private final List<HttpClient> httpClients = new ArrayList<>();
  private final List<Watch> watches = new CopyOnWriteArrayList<>();
  private final AtomicLong nextSequential = new AtomicLong();
  private final AtomicLong okCount = new AtomicLong();
  private final AtomicLong failedCount = new AtomicLong();
  private volatile boolean keepOnlyFailures;
  private volatile int phase;

  private record Watch(Predicate<Outcome> condition, CountDownLatch latch) {}

  /**
   * @param exponent Zipf exponent (0.9 by default, as in the bench's workload)
   * @param maxRequests the load stops by itself after this many (a bound for a test gone wrong)
   */
  ZipfLoad(
      String baseUrl,
      Keys keys,
      double exponent,
      int clients,
      long maxRequests,
      Duration requestTimeout) {
    this(baseUrl, keys, zipfCdf(keys.size(), exponent), clients, maxRequests, requestTimeout);
  }

  /**
   * A load that asks for key 0, 1, 2, ... in turn (wrapping around): every request a new key, e.g.
   * a miss.
   */
  static ZipfLoad sequential(
      String baseUrl, Keys keys, int clients, long maxRequests, Duration requestTimeout) {
    return new ZipfLoad(baseUrl, keys, null, clients, maxRequests, requestTimeout);
  }

  private ZipfLoad(
      String baseUrl,
      Keys keys,
      double[] cdf,
      int clients,
      long maxRequests,
      Duration requestTimeout) {
    this.baseUrl = baseUrl;
    this.keys = keys;
    this.cdf = cdf;
    this.clients = clients;
    this.maxRequests = maxRequests;
    this.requestTimeout = requestTimeout;
  }

  static double[] zipfCdf(int n, double exponent) {
    double[] cdf = new double[n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      sum += 1 / Math.pow(i + 1, exponent);
      cdf[i] = sum;
    }
    for (int i = 0; i < n; i++) {
      cdf[i] /= sum;
    }
    return cdf;
  }

  /**
   * Keeps only (the first 1000) failed outcomes, for loads too long to keep every outcome in
   * memory; count the rest with {@link #okCount()} and {@link #failedCount()}. Call before {@link
   * #start()}.
   */
  ZipfLoad keepOnlyFailures() {
    keepOnlyFailures = true;
    return this;
  }

  long okCount() {
    return okCount.get();
  }

  long failedCount() {
    return failedCount.get();
  }

  ZipfLoad start() {
    for (int c = 0; c < clients; c++) {
      HttpClient http =
          HttpClient.newBuilder()
              .version(HttpClient.Version.HTTP_1_1)
              .connectTimeout(Duration.ofSeconds(2))
              .build();
      httpClients.add(http);
      SplittableRandom random = new SplittableRandom(0x5eed + c);
      threads.add(
          Thread.ofPlatform().name("zipf-load-" + c).daemon(true).start(() -> run(http, random)));
    }
    return this;
  }

  private void run(HttpClient http, SplittableRandom random) {
    while (!stop.get() && sent.incrementAndGet() <= maxRequests) {
      int key =
          cdf == null
              ? (int) (nextSequential.getAndIncrement() % keys.size())
              : sample(random.nextDouble());
      int phaseAtSend = phase;
      long start = System.nanoTime();
      int status = 0;
      String xCache = "";
      boolean bodyOk = false;
      try {
        HttpResponse<byte[]> r =
            http.send(
                HttpRequest.newBuilder(URI.create(baseUrl + keys.path(key)))
                    .timeout(requestTimeout)
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        status = r.statusCode();
        xCache = r.headers().firstValue("X-Cache").orElse("");
        long expected = keys.crc(key);
        bodyOk = status != 200 || expected < 0 || crc(r.body()) == expected;
      } catch (IOException e) {
        xCache = "transport: " + e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      Outcome o =
          new Outcome(start, System.nanoTime(), phaseAtSend, phase, key, status, xCache, bodyOk);
      (o.ok() ? okCount : failedCount).incrementAndGet();
      if (!keepOnlyFailures || (!o.ok() && failedCount.get() <= 1_000)) {
        outcomes.add(o);
      }
      for (Watch w : watches) {
        if (w.latch.getCount() > 0 && w.condition.test(o)) {
          w.latch.countDown();
        }
      }
    }
  }

  private int sample(double u) {
    int lo = 0;
    int hi = cdf.length - 1;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  static long crc(byte[] body) {
    CRC32C c = new CRC32C();
    c.update(body);
    return c.getValue();
  }

  /** Tags the requests sent from now on. */
  void phase(int p) {
    this.phase = p;
  }

  /** Requests completed so far. */
  long completed() {
    return okCount.get() + failedCount.get();
  }

  /**
   * Waits until {@code count} more outcomes satisfy {@code condition} (counted from now on), or the
   * timeout. Returns whether they did.
   */
  boolean awaitOutcomes(Predicate<Outcome> condition, int count, Duration timeout)
      throws InterruptedException {
    CountDownLatch latch = new CountDownLatch(count);
    Watch w = new Watch(condition, latch);
    watches.add(w);
    try {
      return latch.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } finally {
      watches.remove(w);
    }
  }

  /** Waits until {@code count} more requests have completed (any outcome). */
  boolean awaitRequests(int count, Duration timeout) throws InterruptedException {
    return awaitOutcomes(o -> true, count, timeout);
  }

  /**
   * Waits until the load has sent its {@code maxRequests} and they have completed; returns every
   * outcome.
   */
  List<Outcome> finish(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (Thread t : threads) {
      t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    }
    return stop();
  }

  /** Stops sending, waits for the requests in flight, and returns every outcome. */
  List<Outcome> stop() throws InterruptedException {
    stop.set(true);
    for (Thread t : threads) {
      t.join(requestTimeout.toMillis() + 5_000);
    }
    return List.copyOf(outcomes);
  }

  @Override
  public void close() throws InterruptedException {
    stop();
    httpClients.forEach(HttpClient::close);
  }
}
