package io.imgcdn.shard;

import io.imgcdn.common.admin.AdminResponse;
import io.imgcdn.common.admin.AdminRoute;
import io.imgcdn.common.cluster.ClusterView;
import io.imgcdn.common.cluster.NodeHealth;
import io.imgcdn.common.node.NodeRuntime;
import io.imgcdn.common.upstream.RoutedClient;
import io.imgcdn.common.upstream.UpstreamClient;
import io.imgcdn.common.url.ImageUrl;
import io.imgcdn.shard.config.ShardConfig;
import io.imgcdn.shard.http.ShardTier;
import io.imgcdn.shard.store.ShardStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A shard-cache node: the SSD tier over RocksDB. Start with {@link #start}. */
public final class ShardServer implements AutoCloseable {
  private final NodeRuntime runtime;
  private final ShardStore store;
  private final UpstreamClient client;
  private final ClusterView cluster;

  private ShardServer(
      NodeRuntime runtime, ShardStore store, UpstreamClient client, ClusterView cluster) {
    this.runtime = runtime;
    this.store = store;
    this.client = client;
    this.cluster = cluster;
  }

  public static ShardServer start(ShardConfig config) {
    // The cluster file first: a bad one fails start-up before any native resource is opened.
    ClusterView cluster =
        ClusterView.watching(
            config.cluster().file(),
            config.cluster().placement(),
            config.cluster().reloadInterval(),
            config.node().id());
    ShardStore store;
    try {
      store = ShardStore.open(config.store());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the store in " + config.storeDir(), e);
    }
    NodeRuntime runtime = NodeRuntime.create(config.node(), "shard", config.ioThreads());
    UpstreamClient client = new UpstreamClient(runtime.workers(), config.upstream());
    ShardServer server = new ShardServer(runtime, store, client, cluster);
    try {
      RoutedClient origins = new RoutedClient(client, new NodeHealth(3, 2_000), 2);
      ShardTier tier =
          new ShardTier(
              config.node().id(),
              store,
              cluster,
              origins,
              client,
              config.handoffWindow(),
              config.upstreamDeadline(),
              config.admitFrequentOnly(),
              runtime.metrics().registry(),
              (task, nanos) -> runtime.workers().schedule(task, nanos, TimeUnit.NANOSECONDS));
      bindMetrics(runtime, store, config);
      FunctionCounter.builder("imgcdn.upstream.collect.waits", client, UpstreamClient::collectWaits)
          .description("Fills whose body waited for room under shard.upstream.max-collecting-bytes")
          .register(runtime.metrics().registry());
      runtime.serve(
          tier,
          config.server(),
          List.of(
              AdminRoute.action(
                  "POST",
                  "/admin/purge",
                  (q, body) -> {
                    List<String> paths = q.parameters().getOrDefault("path", List.of());
                    List<String> originals = q.parameters().getOrDefault("original", List.of());
                    if (paths.isEmpty() && originals.isEmpty()) {
                      return CompletableFuture.completedFuture(
                          AdminResponse.text(
                              400,
                              "purge needs ?path=/the/url/path or ?original=object/key (all its"
                                  + " variants)"));
                    }
                    List<CompletableFuture<Integer>> deletes = new java.util.ArrayList<>();
                    paths.forEach(
                        p ->
                            deletes.add(
                                tier.purge(ImageUrl.parse(p)).thenApply(found -> found ? 1 : 0)));
                    originals.forEach(
                        k -> deletes.add(tier.purgeOriginal(ImageUrl.parse("/" + k).objectKey())));
                    return CompletableFuture.allOf(deletes.toArray(CompletableFuture[]::new))
                        .thenApply(
                            v ->
                                AdminResponse.text(
                                    200,
                                    "purged "
                                        + deletes.stream().mapToInt(CompletableFuture::join).sum()
                                        + " objects"));
                  }),
              cluster.reloadRoute()),
          // Ready while the store can write: a shard that cannot still serves its hits and passes
          // fills on, but an operator (and a deploy waiting for /readyz) must see it.
          store::writable);
      return server;
    } catch (RuntimeException e) {
      server.close();
      throw e;
    }
  }

  private static void bindMetrics(NodeRuntime runtime, ShardStore store, ShardConfig config) {
    var registry = runtime.metrics().registry();
    Gauge.builder("imgcdn.cache.disk.bytes", store, ShardStore::diskUsageBytes)
        .description("Bytes under the store directory")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("imgcdn.cache.max.bytes", config, ShardConfig::storeMaxBytes)
        .description(
            "Configured data bound of the store (shard.store.max-bytes; the directory's bound is"
                + " imgcdn.cache.bound.bytes)")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("imgcdn.cache.bound.bytes", store, ShardStore::boundBytes)
        .description(
            "The store's bound now: the lower of max-bytes and its bytes plus the filesystem's free"
                + " space less shard.store.disk-reserve")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("imgcdn.cache.writable", store, s -> s.writable() ? 1 : 0)
        .description("1 while the store can write (/readyz is 200), 0 while it cannot")
        .register(registry);
    for (String reason : List.of(ShardStore.RECOVERED_UNREADABLE, ShardStore.RECOVERED_NO_SPACE)) {
      Counter recovered =
          Counter.builder("imgcdn.shard.store.recovered")
              .tag("reason", reason)
              .description(
                  "Store opens that started empty: unreadable (files moved aside) or no-space"
                      + " (files deleted to make room)")
              .register(registry);
      if (store.recoveredAtOpen().filter(reason::equals).isPresent()) {
        recovered.increment();
      }
    }
    Gauge.builder("imgcdn.cache.objects", store, s -> s.stats().objects())
        .description("Objects in the store (estimate)")
        .register(registry);
    FunctionCounter.builder("imgcdn.cache.evictions", store, s -> s.stats().evictions())
        .description("Objects evicted")
        .register(registry);
    FunctionCounter.builder(
            "imgcdn.cache.checksum.failures", store, s -> s.stats().checksumFailures())
        .description("Stored bodies that failed their checksum (served as misses)")
        .register(registry);
    FunctionCounter.builder("imgcdn.cache.hits", store, s -> s.stats().hits())
        .tag("from", "any")
        .description("Store lookups that found the object")
        .register(registry);
    FunctionCounter.builder("imgcdn.cache.hits", store, s -> s.stats().memoryHits())
        .tag("from", "memory")
        .description(
            "Of the hits, those answered from RocksDB's memtables or block cache on the event loop")
        .register(registry);
    FunctionCounter.builder("imgcdn.cache.bound.refusals", store, s -> s.stats().boundRefusals())
        .description("Writes skipped because they could have taken the store over its byte bound")
        .register(registry);
  }

  public int port() {
    return runtime.port();
  }

  public int adminPort() {
    return runtime.adminPort();
  }

  public ShardStore store() {
    return store;
  }

  @Override
  public void close() {
    // The client's pools close on the event loops, so before the runtime shuts them down.
    client.close();
    runtime.close();
    cluster.close();
    store.close();
  }
}
