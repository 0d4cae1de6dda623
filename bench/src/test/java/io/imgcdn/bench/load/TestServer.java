package io.imgcdn.bench.load;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.imgcdn.bench.workload.Trace;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP server on 127.0.0.1 serving a trace's objects the way a two-tier CDN would answer:
 * the first request for a path says {@code X-Cache: edge-1;miss, shard-1;miss}, later ones {@code
 * edge-1;hit}. Paths starting with {@code /status/NNN} answer that status; {@code /stall/...} never
 * answers (until close); {@code /close/...} answers and closes the connection.
 */
final class TestServer implements AutoCloseable {

  final AtomicLong requests = new AtomicLong();

  /** Client ports seen: one per connection the client opened. */
  final Set<Integer> clientPorts = ConcurrentHashMap.newKeySet();

  /** Requests for paths that are neither in the trace nor special. */
  final AtomicLong unknownPaths = new AtomicLong();

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final Map<String, Long> sizes = new HashMap<>();
  private final Set<String> seen = ConcurrentHashMap.newKeySet();
  private final CountDownLatch release = new CountDownLatch(1);

  TestServer(Trace trace) throws IOException {
    for (int o = 0; o < trace.objectCount(); o++) {
      sizes.put(trace.path(o), trace.size(o));
    }
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  private void handle(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    clientPorts.add(exchange.getRemoteAddress().getPort());
    String path = exchange.getRequestURI().getPath();
    try (exchange) {
      if (path.startsWith("/stall/")) {
        try {
          release.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return;
      }
      if (path.startsWith("/status/")) {
        exchange.sendResponseHeaders(Integer.parseInt(path.substring(8, 11)), -1);
        return;
      }
      if (path.startsWith("/close/")) {
        exchange.getResponseHeaders().set("Connection", "close");
      }
      boolean first = seen.add(path);
      exchange
          .getResponseHeaders()
          .set("X-Cache", first ? "edge-1;miss, shard-1;miss" : "edge-1;hit");
      Long known = sizes.get(path);
      if (known == null) {
        unknownPaths.incrementAndGet();
      }
      long size = known == null ? 0 : known;
      exchange.sendResponseHeaders(200, size == 0 ? -1 : size);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(new byte[(int) size]);
      }
    }
  }

  @Override
  public void close() {
    release.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
