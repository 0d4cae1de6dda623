package io.imgcdn.edge;

import io.imgcdn.common.admin.AdminResponse;
import io.imgcdn.common.admin.AdminRoute;
import io.imgcdn.common.cluster.ClusterView;
import io.imgcdn.common.cluster.NodeHealth;
import io.imgcdn.common.node.NodeRuntime;
import io.imgcdn.common.upstream.RoutedClient;
import io.imgcdn.common.upstream.UpstreamClient;
import io.imgcdn.common.url.ImageUrl;
import io.imgcdn.edge.cache.EdgeCache;
import io.imgcdn.edge.config.EdgeConfig;
import io.imgcdn.edge.http.EdgeTier;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** An edge-cache node: the memory tier in front of the shards. Start with {@link #start}. */
public final class EdgeServer implements AutoCloseable {
  private final NodeRuntime runtime;
  private final UpstreamClient client;
  private final ClusterView cluster;
  private final ScheduledExecutorService scheduler;
  private final EdgeCache cache;

  private EdgeServer(NodeRuntime runtime, UpstreamClient client, ClusterView cluster,
      ScheduledExecutorService scheduler, EdgeCache cache) {
    this.runtime = runtime;
    this.client = client;
    this.cluster = cluster;
    this.scheduler = scheduler;
    this.cache = cache;
  }

  public static EdgeServer start(EdgeConfig config) {
    ClusterView cluster = new ClusterView(config.clusterFile(), config.placement());
    ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(
        Thread.ofPlatform().name(config.node().id() + "-cluster").daemon(true).factory());
    cluster.watch(scheduler, config.reloadInterval().toMillis());
    NodeRuntime runtime = NodeRuntime.create(config.node(), "edge", config.ioThreads());
    UpstreamClient client = new UpstreamClient(runtime.workers(), config.upstream());
    RoutedClient shards = new RoutedClient(client, new NodeHealth(3, 2_000), config.attempts());
    EdgeCache cache = new EdgeCache(config.cacheMaxBytes(), config.maxObjectBytes());
    cache.bindMetrics(runtime.metrics().registry(), config.cacheMaxBytes());
    EdgeTier tier = new EdgeTier(config.node().id(), cache, cluster, shards, config.indexKey());
    List<AdminRoute> routes = List.of(
        AdminRoute.action("POST", "/admin/cluster/reload", (q, body) -> {
          ClusterView.Rings rings = cluster.reload();
          return CompletableFuture.completedFuture(AdminResponse.text(200, "cluster version " + rings.version()
              + ": " + rings.membership().shards().size() + " shards"));
        }),
        AdminRoute.action("POST", "/admin/purge", (q, body) -> {
          List<String> paths = q.parameters().getOrDefault("path", List.of());
          if (paths.isEmpty()) {
            return CompletableFuture.completedFuture(AdminResponse.text(400, "purge needs ?path=/the/url/path"));
          }
          for (String p : paths) {
            cache.invalidate(ImageUrl.parse(p).path());
          }
          return CompletableFuture.completedFuture(AdminResponse.text(200, "purged " + paths.size()));
        }));
    runtime.serve(tier, config.idleTimeout(), routes, () -> !cluster.rings().membership().shards().isEmpty());
    return new EdgeServer(runtime, client, cluster, scheduler, cache);
  }

  public int port() {
    return runtime.port();
  }

  public int adminPort() {
    return runtime.adminPort();
  }

  public EdgeCache cache() {
    return cache;
  }

  @Override
  public void close() {
    // The client's pools close on the event loops, so before the runtime shuts them down.
    client.close();
    runtime.close();
    cluster.close();
    scheduler.shutdownNow();
  }
}
