package io.imgcdn.edge;

import io.imgcdn.common.admin.AdminResponse;
import io.imgcdn.common.admin.AdminRoute;
import io.imgcdn.common.admin.AdminServer;
import io.imgcdn.common.cluster.ClusterView;
import io.imgcdn.common.cluster.NodeHealth;
import io.imgcdn.common.config.ConfigException;
import io.imgcdn.common.http.Http2Pipeline;
import io.imgcdn.common.http.HttpServer;
import io.imgcdn.common.http.ObjectServerHandler;
import io.imgcdn.common.http.ResponseObserver;
import io.imgcdn.common.http.Tier;
import io.imgcdn.common.http.TierDispatch;
import io.imgcdn.common.http.Transports;
import io.imgcdn.common.metrics.NodeMetrics;
import io.imgcdn.common.node.NodeRuntime;
import io.imgcdn.common.upstream.UpstreamClient;
import io.imgcdn.edge.cache.EdgeCache;
import io.imgcdn.edge.cache.EdgePurge;
import io.imgcdn.edge.config.EdgeConfig;
import io.imgcdn.edge.http.EdgeTier;
import io.imgcdn.edge.http3.AltSvc;
import io.imgcdn.edge.http3.Http3Server;
import io.imgcdn.edge.routing.HealthProber;
import io.imgcdn.edge.routing.ShardRouter;
import io.imgcdn.edge.status.ConnectionTap;
import io.imgcdn.edge.status.EdgeStatus;
import io.imgcdn.edge.tls.EdgeTls;
import io.imgcdn.edge.tls.HttpsRedirect;
import io.imgcdn.edge.tls.TlsSettings;
import io.netty.channel.EventLoopGroup;
import io.netty.util.internal.PlatformDependent;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** An edge-cache node: the memory tier in front of the shards. Start with {@link #start}. */
public final class EdgeServer implements AutoCloseable {
  /*
   * The node's parts, in start order: cluster view (rings), event loops and metrics (NodeRuntime), the
   * cache, the shard client, the tier, the certificates (a bad one fails start-up), the admin port, the
   * HTTPS port, the cleartext port. The serving ports are bound here rather than by NodeRuntime.serve
   * because the edge needs the connection cap and the graceful drain of HttpServer. close() reverses the order: stop accepting and drain in-flight requests first, so
   * nothing is cut off mid-response, then free the client, the cache's memory and the loops.
   */
  private static final Logger LOG = LoggerFactory.getLogger(EdgeServer.class);

  /** Direct memory kept free beyond the cache for socket buffers and in-flight bodies. */
  private static final long DIRECT_HEADROOM = 64L << 20;

  private final EdgeConfig config;
  private final NodeRuntime runtime;
  private final EventLoopGroup acceptor;
  private final UpstreamClient client;
  private final ClusterView cluster;
  private final ScheduledExecutorService scheduler;
  private final EdgeCache cache;
  private final EdgeTier tier;
  private final ShardRouter router;
  private final HealthProber prober;
  private final java.util.concurrent.atomic.AtomicBoolean closed =
      new java.util.concurrent.atomic.AtomicBoolean();
  private @Nullable AdminServer admin; // null until bind()
  private @Nullable EdgeTls tls;
  private @Nullable HttpServer secure;
  private @Nullable HttpServer serving;
  private @Nullable Http3Server http3;

  private EdgeServer(
      EdgeConfig config,
      NodeRuntime runtime,
      EventLoopGroup acceptor,
      UpstreamClient client,
      ClusterView cluster,
      ScheduledExecutorService scheduler,
      EdgeCache cache,
      EdgeTier tier,
      ShardRouter router,
      HealthProber prober) {
    this.router = router;
    this.prober = prober;
    this.config = config;
    this.runtime = runtime;
    this.acceptor = acceptor;
    this.client = client;
    this.cluster = cluster;
    this.scheduler = scheduler;
    this.cache = cache;
    this.tier = tier;
  }

  public static EdgeServer start(EdgeConfig config) {
    checkDirectMemory(config.cacheMaxBytes());
    ClusterView cluster = new ClusterView(config.clusterFile(), config.placement());
    ScheduledExecutorService scheduler =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name(config.node().id() + "-cluster").daemon(true).factory());
    cluster.watch(scheduler, config.reloadInterval().toMillis());
    NodeRuntime runtime = NodeRuntime.create(config.node(), "edge", config.ioThreads());
    EventLoopGroup acceptor = Transports.group(1, config.node().id() + "-accept");
    UpstreamClient client = new UpstreamClient(runtime.workers(), config.upstream());
    NodeHealth health = new NodeHealth(3, 2_000);
    ShardRouter router =
        new ShardRouter(
            cluster, health, config.attempts(), config.balanceFactor(), config.balanceFloor());
    HealthProber prober =
        new HealthProber(cluster, health, client, config.healthTimeout())
            .start(scheduler, config.healthInterval());
    EdgeCache cache =
        new EdgeCache(config.cacheMaxBytes(), config.maxObjectBytes(), config.admission());
    cache.bindMetrics(runtime.metrics().registry());
    EdgeTier tier =
        new EdgeTier(
            config.node().id(),
            cache,
            router,
            client,
            config.indexKey(),
            config.upstreamDeadline(),
            config.upstream().responseTimeout(),
            config.streamDetachAfter(),
            config.streamReleaseAfter());
    tier.policy(config.policy());
    tier.stats().bind(runtime.metrics().registry());
    EdgeServer server =
        new EdgeServer(
            config, runtime, acceptor, client, cluster, scheduler, cache, tier, router, prober);
    try {
      server.bind();
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
    return server;
  }

  private static void checkDirectMemory(long cacheBytes) {
    long limit = PlatformDependent.maxDirectMemory();
    if (limit > 0 && cacheBytes + DIRECT_HEADROOM > limit) {
      throw new ConfigException(
          List.of(
              "edge.cache.max-bytes: "
                  + cacheBytes
                  + " bytes does not fit in the "
                  + limit
                  + " bytes of direct memory this JVM allows (expected: -XX:MaxDirectMemorySize of"
                  + " at least the cache plus "
                  + (DIRECT_HEADROOM >> 20)
                  + "m, e.g. -XX:MaxDirectMemorySize="
                  + ((cacheBytes + DIRECT_HEADROOM + (1 << 20) - 1) >> 20)
                  + "m)"));
    }
  }

  private void bind() {
    NodeMetrics metrics = runtime.metrics();
    EdgeStatus status =
        new EdgeStatus(
                config.node().id(),
                cluster,
                router,
                prober,
                cache,
                metrics.registry(),
                scheduler,
                EdgeStatus.WINDOW)
            .start();
    List<AdminRoute> routes =
        List.of(
            AdminRoute.open(
                "GET",
                "/healthz",
                (q, b) ->
                    CompletableFuture.completedFuture(
                        AdminResponse.text(200, "ok " + config.node().id()))),
            AdminRoute.open(
                "GET",
                "/readyz",
                (q, b) ->
                    CompletableFuture.completedFuture(
                        ready()
                            ? AdminResponse.text(200, "ready " + config.node().id())
                            : AdminResponse.text(503, "not ready " + config.node().id()))),
            AdminRoute.open(
                "GET",
                "/metrics",
                (q, b) ->
                    CompletableFuture.completedFuture(
                        new AdminResponse(
                            200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()))),
            AdminRoute.action(
                "POST",
                "/admin/cluster/reload",
                (q, body) -> {
                  ClusterView.Rings rings = cluster.reload();
                  return CompletableFuture.completedFuture(
                      AdminResponse.text(
                          200,
                          "cluster version "
                              + rings.version()
                              + ": "
                              + rings.membership().shards().size()
                              + " shards"));
                }),
            AdminRoute.action(
                "POST",
                "/admin/purge",
                (q, body) ->
                    CompletableFuture.completedFuture(
                        EdgePurge.purge(
                            cache,
                            q.parameters().getOrDefault("path", List.of()),
                            q.parameters().getOrDefault("original", List.of())))));
    TlsSettings tlsSettings = config.tls();
    if (tlsSettings.enabled()) {
      tls =
          EdgeTls.start(
              tlsSettings,
              config.http2().enabled(),
              config.server().requestHeadTimeout(),
              scheduler,
              metrics.registry());
      routes = java.util.stream.Stream.concat(routes.stream(), tls.routes().stream()).toList();
    }
    AdminServer admin =
        AdminServer.start(
            acceptor,
            runtime.workers(),
            config.node().host(),
            config.node().adminPort(),
            config.node().adminToken(),
            java.util.stream.Stream.concat(routes.stream(), status.routes().stream()).toList());
    ResponseObserver observer = new RequestMetrics(metrics.registry(), config.node().id());
    String id = config.node().id();
    this.admin = admin;
    // One dispatch per connection, whatever its protocol.
    IntFunction<TierDispatch> dispatches = inFlight -> dispatch(status, tier, observer, inFlight);
    int maxPipelined = config.server().maxPipelined();
    Supplier<ObjectServerHandler> handlers =
        () -> new ObjectServerHandler(dispatches.apply(maxPipelined), maxPipelined);
    if (tls != null) {
      // HTTPS responses advertise HTTP/3 (Alt-Svc) once its port is known: the tier the HTTPS
      // port's connections are made with changes once, before start() returns.
      java.util.concurrent.atomic.AtomicReference<Tier> secureTier =
          new java.util.concurrent.atomic.AtomicReference<>(tier);
      IntFunction<TierDispatch> secureDispatches =
          inFlight -> dispatch(status, secureTier.get(), observer, inFlight);
      secure =
          HttpServer.bind(
              acceptor,
              runtime.workers(),
              config.node().host(),
              tlsSettings.port(),
              config.server(),
              tls.connections(),
              () -> new ObjectServerHandler(secureDispatches.apply(maxPipelined), maxPipelined),
              config.http2().enabled()
                  ? new Http2Pipeline(
                      config.http2(),
                      config.server(),
                      () -> secureDispatches.apply(config.http2().maxConcurrentStreams()))
                  : null);
      if (config.http3().enabled() && Http3Server.available()) {
        int port = secure.port();
        http3 =
            Http3Server.bind(
                runtime.workers(),
                config.node().host(),
                port,
                config.http3(),
                tls.quic(),
                () -> secureDispatches.apply(config.http3().maxConcurrentStreams()));
        secureTier.set(tier.withPolicy(config.policy().withHeader(AltSvc.HEADER, AltSvc.h3(port))));
      }
    }
    serving =
        switch (tlsSettings.cleartext()) {
          case SERVE ->
              HttpServer.bind(
                  acceptor,
                  runtime.workers(),
                  config.node().host(),
                  config.node().port(),
                  config.server(),
                  handlers);
          case REDIRECT -> {
            HttpsRedirect redirect = new HttpsRedirect(id, tlsPort());
            yield HttpServer.bind(
                acceptor,
                runtime.workers(),
                config.node().host(),
                config.node().port(),
                config.server(),
                () ->
                    new ObjectServerHandler(id, redirect, observer, config.server().maxPipelined())
                        .accessLog(runtime.accessLog()));
          }
          case OFF -> null;
        };
    LOG.info(
        "{} serving on {}:{} (https {}, admin {}, transport {}, cache {} MB off-heap)",
        id,
        config.node().host(),
        serving == null ? "off" : serving.port(),
        secure == null
            ? "off"
            : secure.port()
                + (http3 == null ? "" : " and h3 on udp " + http3.port())
                + ", cleartext "
                + tlsSettings.cleartext(),
        admin.port(),
        Transports.name(),
        config.cacheMaxBytes() >> 20);
  }

  /** One connection's dispatch, whatever its protocol, behind the status page's tap. */
  private TierDispatch dispatch(
      EdgeStatus status, Tier tier, ResponseObserver observer, int inFlight) {
    // The tap follows the connection's requests in flight: up to maxPipelined on HTTP/1.1, up to
    // max-concurrent-streams on HTTP/2 and HTTP/3.
    ConnectionTap tap = status.tap(tier, observer, inFlight); // status page counts
    return new TierDispatch(config.node().id(), tap, tap).accessLog(runtime.accessLog());
  }

  private boolean ready() {
    return !cluster.rings().membership().shards().isEmpty();
  }

  /** The cleartext port, or -1 when edge.tls.cleartext=off. */
  public int port() {
    return serving == null ? -1 : serving.port();
  }

  /** The HTTPS port, or -1 without certificates. */
  public int tlsPort() {
    return secure == null ? -1 : secure.port();
  }

  /** The HTTP/3 port's server (UDP, the HTTPS port's number), or null when it is off. */
  public @Nullable Http3Server http3() {
    return http3;
  }

  /** The certificates and ticket keys in service, or null without HTTPS. */
  public @Nullable EdgeTls tls() {
    return tls;
  }

  public int adminPort() {
    return bound(admin).port();
  }

  public EdgeCache cache() {
    return cache;
  }

  public EdgeTier tier() {
    return tier;
  }

  /** A part bind() made; start() binds before it returns the server. */
  private static <T> T bound(@Nullable T part) {
    if (part == null) {
      throw new IllegalStateException("not bound yet");
    }
    return part;
  }

  /** The cleartext port's server, or null when edge.tls.cleartext=off. */
  public @Nullable HttpServer serving() {
    return serving;
  }

  /** The HTTPS port's server, or null without certificates. */
  public @Nullable HttpServer secure() {
    return secure;
  }

  public ShardRouter router() {
    return router;
  }

  public HealthProber prober() {
    return prober;
  }

  /**
   * Graceful shutdown: stops accepting, lets in-flight requests finish (up to
   * server.shutdown-grace), then frees the shard client, the cache's off-heap memory and the event
   * loops.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    // Both ports drain at once, so shutting down takes one grace period, not two.
    List<CompletableFuture<Boolean>> drains = new java.util.ArrayList<>();
    for (HttpServer port : java.util.Arrays.asList(serving, secure)) {
      if (port != null) {
        drains.add(
            CompletableFuture.supplyAsync(() -> port.shutdownGracefully(config.shutdownGrace())));
      }
    }
    Http3Server quic = http3;
    if (quic != null) {
      drains.add(
          CompletableFuture.supplyAsync(() -> quic.shutdownGracefully(config.shutdownGrace())));
    }
    if (!drains.stream().allMatch(CompletableFuture::join)) {
      LOG.warn(
          "{}: connections still busy after {}; closed",
          config.node().id(),
          config.shutdownGrace());
    }
    if (tls != null) {
      tls.close();
    }
    prober.close();
    if (admin != null) {
      admin.close();
    }
    // The client's pools close on the event loops, so before the runtime shuts them down.
    client.close();
    acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    runtime.close();
    cache.close();
    cluster.close();
    scheduler.shutdownNow();
  }
}
