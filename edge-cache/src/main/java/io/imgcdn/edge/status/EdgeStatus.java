package io.imgcdn.edge.status;

import io.imgcdn.common.admin.AdminResponse;
import io.imgcdn.common.admin.AdminRoute;
import io.imgcdn.common.cluster.ClusterView;
import io.imgcdn.common.cluster.NodeHealth;
import io.imgcdn.common.http.ResponseObserver;
import io.imgcdn.common.http.Tier;
import io.imgcdn.edge.cache.EdgeCache;
import io.imgcdn.edge.routing.HealthProber;
import io.imgcdn.edge.routing.ShardRouter;
import io.imgcdn.hashring.Node;
import io.imgcdn.hashring.NodeLocator;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.util.internal.PlatformDependent;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The edge's status page on its admin port: {@code GET /status} (HTML for people) and {@code GET
 * /status.json} (the same data for tools): the shard ring with health and key shares, hit ratios
 * per tier, the most requested keys, the cache and the JVM.
 *
 * <p>Wiring: build it with the edge's parts, add {@link #routes()} to the admin routes, let every
 * serving connection's handler go through {@link #tap} and call {@link #start} to begin the top-key
 * windows.
 */
public final class EdgeStatus implements AutoCloseable {
  /*
   * Open to read, like /metrics: the admin port is an internal listener, and the page exposes nothing
   * /metrics does not already imply except request paths, which the access log also holds. Actions stay
   * behind the token; the page has none.
   * Rendering (ring sampling once per membership change, merging the top-key summaries, formatting) runs
   * on the given executor, never on the event loops the admin port shares with the serving port.
   */
  /** Counters per serving thread in the top-keys summary. */
  static final int TOP_KEY_COUNTERS = 128;

  /** Top keys shown on the HTML page; the JSON lists up to {@link #JSON_KEYS}. */
  static final int HTML_KEYS = 25;

  static final int JSON_KEYS = 100;

  /** Length of a top-keys window. */
  public static final Duration WINDOW = Duration.ofMinutes(1);

  private final String nodeId;
  private final ClusterView cluster;
  private final ShardRouter router;
  private final HealthProber prober;
  private final EdgeCache cache;
  private final MeterRegistry registry;
  private final ScheduledExecutorService executor;
  private final TierCounters tiers;
  private final TopKeys topKeys;
  private final RingShares shares = new RingShares(RingShares.SAMPLES);
  private final Instant started = Instant.now();
  private final String version = version();
  private @Nullable ScheduledFuture<?> rotation; // set by start

  /**
   * @param executor renders pages and ends top-key windows (a scheduler of the node's, not an event
   *     loop)
   * @param window length of a top-keys window (counts reset at its end)
   */
  public EdgeStatus(
      String nodeId,
      ClusterView cluster,
      ShardRouter router,
      HealthProber prober,
      EdgeCache cache,
      MeterRegistry registry,
      ScheduledExecutorService executor,
      Duration window) {
    this.nodeId = nodeId;
    this.cluster = cluster;
    this.router = router;
    this.prober = prober;
    this.cache = cache;
    this.registry = registry;
    this.executor = executor;
    this.tiers = new TierCounters(nodeId, () -> cluster.rings().membership().shards());
    this.topKeys = new TopKeys(TOP_KEY_COUNTERS, window);
    tiers.bind(registry);
  }

  /** Starts ending a top-keys window every {@code window}. */
  public EdgeStatus start() {
    long every = topKeys.window().toMillis();
    rotation = executor.scheduleAtFixedRate(topKeys::rotate, every, every, TimeUnit.MILLISECONDS);
    return this;
  }

  /**
   * {@code GET /status} (with {@code ?refresh=<seconds>} the page reloads itself, without scripts)
   * and {@code GET /status.json}, open like {@code /metrics}.
   */
  public List<AdminRoute> routes() {
    return List.of(
        AdminRoute.open(
            "GET",
            "/status",
            (q, b) -> {
              int refresh = refreshSeconds(q.parameters().get("refresh"));
              return render(
                  r ->
                      new AdminResponse(
                          200, "text/html; charset=utf-8", StatusHtml.render(r, refresh)));
            }),
        AdminRoute.open(
            "GET",
            "/status.json",
            (q, b) -> render(r -> AdminResponse.json(200, StatusJson.render(r)))));
  }

  /**
   * The tier a serving connection's handler should use, and its observer: {@code tier} and {@code
   * next} see every call unchanged. One per connection.
   */
  public ConnectionTap tap(Tier tier, ResponseObserver next, int maxPipelined) {
    return new ConnectionTap(tier, next, tiers, topKeys, maxPipelined);
  }

  /** 0 when absent; the admin port answers 400 with the message when the value is not 1..3600. */
  private static int refreshSeconds(@Nullable List<String> values) {
    if (values == null || values.isEmpty()) {
      return 0;
    }
    String v = values.getFirst();
    int seconds;
    try {
      seconds = Integer.parseInt(v);
    } catch (NumberFormatException e) {
      seconds = -1;
    }
    if (seconds < 1 || seconds > 3600) {
      throw new IllegalArgumentException("refresh: " + v + " (expected: seconds, 1..3600)");
    }
    return seconds;
  }

  private CompletableFuture<AdminResponse> render(
      java.util.function.Function<StatusReport, AdminResponse> format) {
    return CompletableFuture.supplyAsync(() -> format.apply(report()), executor);
  }

  /** Reads everything now (allocates; off the event loops). */
  StatusReport report() {
    Instant now = Instant.now();
    return new StatusReport(
        nodeId,
        version,
        now,
        Duration.between(started, now),
        ring(),
        tierRows(),
        topKeys.current(JSON_KEYS),
        topKeys.last(JSON_KEYS),
        cacheState(),
        jvm());
  }

  private StatusReport.Ring ring() {
    ClusterView.Rings rings = cluster.rings();
    NodeLocator locator = rings.shards();
    Map<String, Double> keyShares = shares.of(locator);
    long totalWeight = 0;
    for (Node n : locator.nodes()) {
      totalWeight += n.weight();
    }
    NodeHealth health = router.health();
    List<StatusReport.Member> members = new ArrayList<>();
    for (Node n : locator.nodes()) {
      NodeHealth.View h = health.view(n.id());
      Boolean probe = prober.lastResult(n.id());
      members.add(
          new StatusReport.Member(
              n.id(),
              n.address(),
              n.weight(),
              (double) n.weight() / totalWeight,
              keyShares.getOrDefault(n.id(), 0.0),
              h.ejected(),
              h.consecutiveFailures(),
              h.retryInMillis(),
              probe == null ? "none" : probe ? "up" : "down",
              router.inFlight(n)));
    }
    return new StatusReport.Ring(
        rings.version(),
        locator.placement().name().toLowerCase(java.util.Locale.ROOT),
        RingShares.SAMPLES,
        members,
        prober.probes(),
        prober.failures());
  }

  @SuppressWarnings("EnumOrdinal") // indexes an in-memory array, as EnumMap does; never stored
  private List<StatusReport.TierRow> tierRows() {
    List<StatusReport.TierRow> rows = new ArrayList<>();
    TierCounters.Verdict[] verdicts = TierCounters.Verdict.values();
    for (TierCounters.Tier tier : TierCounters.Tier.values()) {
      long[] objects = new long[verdicts.length];
      long[] bytes = new long[verdicts.length];
      for (TierCounters.Verdict v : verdicts) {
        objects[v.ordinal()] = tiers.objects(tier, v);
        bytes[v.ordinal()] = tiers.bytes(tier, v);
      }
      rows.add(
          new StatusReport.TierRow(
              tier.name().toLowerCase(java.util.Locale.ROOT),
              objects,
              bytes,
              hitRatio(objects),
              hitRatio(bytes)));
    }
    return rows;
  }

  /** hit / (hit + miss + coalesced + stale): errors and unknown verdicts are neither. */
  @SuppressWarnings("EnumOrdinal") // indexes an in-memory array, as EnumMap does; never stored
  private static double hitRatio(long[] byVerdict) {
    long hit = byVerdict[TierCounters.Verdict.HIT.ordinal()];
    long lookups =
        hit
            + byVerdict[TierCounters.Verdict.MISS.ordinal()]
            + byVerdict[TierCounters.Verdict.COALESCED.ordinal()]
            + byVerdict[TierCounters.Verdict.STALE.ordinal()];
    return lookups == 0 ? Double.NaN : (double) hit / lookups;
  }

  private StatusReport.Cache cacheState() {
    FunctionCounter evictions = registry.find("imgcdn.cache.evictions").functionCounter();
    return new StatusReport.Cache(
        cache.weightedBytes(),
        cache.maxBytes(),
        cache.objects(),
        evictions == null ? -1 : (long) evictions.count(),
        cache.liveBytes());
  }

  private static StatusReport.Jvm jvm() {
    MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    return new StatusReport.Jvm(
        Runtime.version() + " " + System.getProperty("java.vm.name", ""),
        heap.getUsed(),
        heap.getCommitted(),
        heap.getMax(),
        PlatformDependent.usedDirectMemory(),
        PlatformDependent.maxDirectMemory());
  }

  /** The edge-cache jar's version from its Maven descriptor; "dev" when run from classes. */
  private static String version() {
    try (InputStream in =
        EdgeStatus.class.getResourceAsStream(
            "/META-INF/maven/io.imgcdn/edge-cache/pom.properties")) {
      if (in == null) {
        return "dev";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version", "dev");
    } catch (IOException e) {
      return "dev";
    }
  }

  @Override
  public void close() {
    if (rotation != null) {
      rotation.cancel(false);
    }
  }
}
