package io.imgcdn.edge;

import io.imgcdn.common.http.ETags;
import io.imgcdn.common.http.HttpError;
import io.imgcdn.common.http.HttpServer;
import io.imgcdn.common.http.ImageObject;
import io.imgcdn.common.http.ObjectServerHandler;
import io.imgcdn.common.http.Reply;
import io.imgcdn.common.http.ServerOptions;
import io.imgcdn.common.http.Tier;
import io.imgcdn.common.http.Transports;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A shard for tests: a real HTTP server on 127.0.0.1 serving objects from a map, counting requests.
 */
final class FakeShard implements AutoCloseable {
  /** The Last-Modified of every object this shard serves. */
  static final String LAST_MODIFIED = "Wed, 21 Oct 2015 07:28:00 GMT";

  final String id;
  final Map<String, byte[]> objects = new ConcurrentHashMap<>();
  final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();

  /** Content-Type of objects by path; image/jpeg for those not here. */
  final Map<String, String> types = new ConcurrentHashMap<>();

  /**
   * Objects answered from one shared direct buffer (a retained duplicate per response), as a real
   * shard sends its stored bodies: the transport copies a heap body into a new direct buffer on
   * every write, which for many large responses at once would measure this double, not the edge.
   * Owned by the test.
   */
  final Map<String, io.netty.buffer.ByteBuf> directObjects = new ConcurrentHashMap<>();

  /** The X-Imgcdn-Deadline of every request, in order ("" when absent). */
  final java.util.List<String> deadlines = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** The Range header of every request that had one, in order. */
  final java.util.List<String> ranges = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** When set, requests wait for this future before they are answered. */
  volatile CompletableFuture<Void> gate = CompletableFuture.completedFuture(null);

  /** When above 0, requests are answered with this status. */
  volatile int failWith;

  /** The X-Cache chain of those failures; by default this shard's own error verdict. */
  volatile String failChain;

  private final EventLoopGroup group;
  private final HttpServer server;

  FakeShard(String id) {
    this(id, 0);
  }

  FakeShard(String id, int port) {
    this.id = id;
    this.group = Transports.group(1, id);
    Tier tier =
        (url, headers) -> {
          requests.computeIfAbsent(url.path(), k -> new AtomicInteger()).incrementAndGet();
          deadlines.add(headers.get("X-Imgcdn-Deadline", ""));
          String range = headers.get("Range");
          if (range != null) {
            ranges.add(range);
          }
          return gate.thenApply(
              v -> {
                if (failWith > 0) {
                  return Reply.error(
                      HttpResponseStatus.valueOf(failWith),
                      "failing on purpose",
                      failChain != null ? failChain : id + ";error");
                }
                io.netty.buffer.ByteBuf direct = directObjects.get(url.path());
                if (direct != null) {
                  return (io.imgcdn.common.http.Response)
                      new DirectBodyResponse(direct, id + ";hit");
                }
                byte[] body = objects.get(url.path());
                if (body == null) {
                  throw HttpError.notFound("no such object: " + url.path());
                }
                return Reply.ok(
                    new ImageObject(
                        types.getOrDefault(url.path(), "image/jpeg"),
                        ETags.of(body),
                        LAST_MODIFIED,
                        ImageObject.IMMUTABLE,
                        body),
                    id + ";hit");
              });
        };
    this.server =
        HttpServer.bind(
            group,
            group,
            "127.0.0.1",
            port,
            ServerOptions.withIdleTimeout(Duration.ofSeconds(30)),
            () -> new ObjectServerHandler(id, tier, null, 16));
  }

  int port() {
    return server.port();
  }

  String address() {
    return "127.0.0.1:" + port();
  }

  int requests(String path) {
    AtomicInteger n = requests.get(path);
    return n == null ? 0 : n.get();
  }

  int totalRequests() {
    return requests.values().stream().mapToInt(AtomicInteger::get).sum();
  }

  private boolean closed;

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    server.shutdownGracefully(Duration.ZERO);
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** A 200 of a shared direct body (no Range, no conditionals: what the streaming tests need). */
  private record DirectBodyResponse(io.netty.buffer.ByteBuf body, String xCache)
      implements io.imgcdn.common.http.Response {
    @Override
    public HttpResponseStatus status() {
      return HttpResponseStatus.OK;
    }

    @Override
    public void write(io.imgcdn.common.http.ResponseChannel out) {
      io.netty.handler.codec.http.HttpResponse head =
          new io.netty.handler.codec.http.DefaultHttpResponse(
              io.netty.handler.codec.http.HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      head.headers()
          .set("Content-Type", "image/jpeg")
          .set("Content-Length", body.readableBytes())
          .set("ETag", "\"direct-" + body.readableBytes() + "\"")
          .set("Last-Modified", LAST_MODIFIED)
          .set("X-Cache", xCache);
      out.write(head);
      out.write(new io.netty.handler.codec.http.DefaultLastHttpContent(body.retainedDuplicate()));
      out.end(body.readableBytes());
    }
  }
}
