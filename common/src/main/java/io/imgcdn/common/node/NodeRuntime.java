package io.imgcdn.common.node;

import io.imgcdn.common.accesslog.AccessLog;
import io.imgcdn.common.admin.AdminResponse;
import io.imgcdn.common.admin.AdminRoute;
import io.imgcdn.common.admin.AdminServer;
import io.imgcdn.common.config.NodeSettings;
import io.imgcdn.common.http.HttpServer;
import io.imgcdn.common.http.ObjectServerHandler;
import io.imgcdn.common.http.ResponseObserver;
import io.imgcdn.common.http.ServerOptions;
import io.imgcdn.common.http.Tier;
import io.imgcdn.common.http.Transports;
import io.imgcdn.common.metrics.NodeMetrics;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every node runs: event loops, the serving port with the shared pipeline, the admin port with
 * /healthz, /readyz and /metrics, and an orderly shutdown.
 */
public final class NodeRuntime implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeRuntime.class);

  private final NodeSettings node;
  private final NodeMetrics metrics;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final @Nullable AccessLog accessLog;
  private @Nullable HttpServer serving;
  private @Nullable AdminServer admin;

  private NodeRuntime(NodeSettings node, String tier, int ioThreads) {
    this.node = node;
    this.metrics = new NodeMetrics(tier, node.id());
    this.accessLog =
        AccessLog.open(node.accessLog(), node.id()); // first: an unopenable file fails start-up
    if (accessLog != null) {
      io.micrometer.core.instrument.FunctionCounter.builder(
              "imgcdn.access.log.dropped", accessLog, AccessLog::dropped)
          .description("Access log lines dropped because the writer fell behind")
          .register(metrics.registry());
    }
    this.boss = Transports.group(1, node.id() + "-accept");
    this.workers = Transports.group(ioThreads, node.id() + "-io");
  }

  /** Event loops and metrics; call {@link #serve} once the tier is built on them. */
  public static NodeRuntime create(NodeSettings node, String tier, int ioThreads) {
    return new NodeRuntime(node, tier, ioThreads);
  }

  public EventLoopGroup workers() {
    return workers;
  }

  public NodeMetrics metrics() {
    return metrics;
  }

  public NodeSettings node() {
    return node;
  }

  /** The access log every serving handler of this node writes to, or null when it is off. */
  public @Nullable AccessLog accessLog() {
    return accessLog;
  }

  /**
   * Binds the admin port, then the serving port with the limits of {@code options} (idle and slow
   * clients, the connection cap, requests in flight per connection), as the edge's port has them.
   */
  public void serve(
      Tier tier, ServerOptions options, List<AdminRoute> extraRoutes, BooleanSupplier ready) {
    List<AdminRoute> routes = new ArrayList<>();
    routes.add(
        AdminRoute.open(
            "GET",
            "/healthz",
            (q, b) ->
                CompletableFuture.completedFuture(AdminResponse.text(200, "ok " + node.id()))));
    routes.add(
        AdminRoute.open(
            "GET",
            "/readyz",
            (q, b) ->
                CompletableFuture.completedFuture(
                    ready.getAsBoolean()
                        ? AdminResponse.text(200, "ready " + node.id())
                        : AdminResponse.text(503, "not ready " + node.id()))));
    routes.add(
        AdminRoute.open(
            "GET",
            "/metrics",
            (q, b) ->
                CompletableFuture.completedFuture(
                    new AdminResponse(
                        200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()))));
    routes.addAll(extraRoutes);
    admin =
        AdminServer.start(boss, workers, node.host(), node.adminPort(), node.adminToken(), routes);
    ResponseObserver observer =
        (protocol, method, response, status, bytes, nanos) ->
            metrics.request(verdict(response.xCache()), status, bytes, nanos);
    serving =
        HttpServer.bind(
            boss,
            workers,
            node.host(),
            node.port(),
            options,
            () ->
                new ObjectServerHandler(node.id(), tier, observer, options.maxPipelined())
                    .accessLog(accessLog));
    LOG.info(
        "{} serving on {}:{} (admin {}, transport {})",
        node.id(),
        node.host(),
        port(),
        adminPort(),
        Transports.name());
  }

  /**
   * This node's verdict: the first entry of an X-Cache chain ("edge-1;hit, ..." gives "hit"),
   * "none" without one. Every tier's request metrics are labelled with it.
   */
  public static String verdict(@Nullable String chain) {
    if (chain == null) {
      return "none";
    }
    int semi = chain.indexOf(';');
    if (semi < 0) {
      return "none";
    }
    int comma = chain.indexOf(',', semi);
    return chain.substring(semi + 1, comma < 0 ? chain.length() : comma).trim();
  }

  public int port() {
    HttpServer s = serving;
    if (s == null) {
      throw new IllegalStateException("not serving yet: call serve() first");
    }
    return s.port();
  }

  public int adminPort() {
    AdminServer a = admin;
    if (a == null) {
      throw new IllegalStateException("not serving yet: call serve() first");
    }
    return a.port();
  }

  /** Stops accepting, lets in-flight requests finish (up to 5 seconds), then frees everything. */
  @Override
  public void close() {
    if (serving != null) {
      serving.close(); // graceful: in-flight requests are answered, then their connections close
    }
    if (admin != null) {
      admin.close();
    }
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(100, 2_000, TimeUnit.MILLISECONDS).syncUninterruptibly();
    if (accessLog != null) {
      accessLog.close(); // after the event loops: every finished request is queued
    }
    metrics.close();
  }
}
