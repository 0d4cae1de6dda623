package io.imgcdn.edge.routing;

import io.imgcdn.common.cluster.ClusterView;
import io.imgcdn.common.cluster.NodeHealth;
import io.imgcdn.common.http.TierDispatch;
import io.imgcdn.common.upstream.BodyFlow;
import io.imgcdn.common.upstream.BodyReceiver;
import io.imgcdn.common.upstream.UpstreamClient;
import io.imgcdn.common.upstream.UpstreamException;
import io.imgcdn.hashring.Node;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Active health checks: every interval, each shard of the cluster file gets a {@code HEAD} of
 * {@link TierDispatch#HEALTH_PATH} on its serving port; a shard that answers (any status below 500)
 * in time is up, one that refuses the connection is marked down at once, one that times out or
 * answers 5xx counts a failure.
 */
public final class HealthProber implements AutoCloseable {
  /*
   * Why the serving port: the cluster file lists serving addresses only, and a shard's /healthz lives on
   * an admin port the edge does not know. The health path is answered 200 on the event loop by every
   * tier before any cache, disk or upstream work, and is neither counted as traffic nor logged, so the
   * answer proves the process accepts connections and its event loops turn, which is what routing needs.
   * (It does not prove RocksDB is healthy; passive ejection on 5xx covers that.)
   * Passive health (RoutedClient/ShardFetch failures) ejects a node after consecutive failures; a probe
   * success re-admits it immediately instead of waiting for the ejection period to lapse.
   */
  private final ClusterView cluster;
  private final NodeHealth health;
  private final UpstreamClient client;
  private final Duration timeout;
  private final AtomicLong probes = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final java.util.concurrent.ConcurrentHashMap<String, Boolean> lastResults =
      new java.util.concurrent.ConcurrentHashMap<>();
  private @Nullable ScheduledFuture<?> task; // set by start

  public HealthProber(
      ClusterView cluster, NodeHealth health, UpstreamClient client, Duration timeout) {
    this.cluster = cluster;
    this.health = health;
    this.client = client;
    this.timeout = timeout;
  }

  /**
   * Probes every {@code interval} on {@code scheduler} (which only starts the probes; they run on
   * event loops).
   */
  public HealthProber start(ScheduledExecutorService scheduler, Duration interval) {
    task =
        scheduler.scheduleWithFixedDelay(
            this::probeAll, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    return this;
  }

  /** Probes sent since start. */
  public long probes() {
    return probes.get();
  }

  /** Probes that failed since start. */
  public long failures() {
    return failures.get();
  }

  /**
   * The outcome of the last probe of {@code nodeId} that completed: true up, false down, null none
   * yet.
   */
  public @Nullable Boolean lastResult(String nodeId) {
    return lastResults.get(nodeId);
  }

  /** Sends one probe to every shard now. */
  public void probeAll() {
    for (Node node : cluster.rings().membership().shards()) {
      probe(node);
    }
  }

  private void probe(Node node) {
    probes.incrementAndGet();
    client.exchange(
        node.address(),
        HttpMethod.HEAD,
        TierDispatch.HEALTH_PATH,
        null,
        timeout,
        new BodyReceiver() {
          private boolean failed;

          @Override
          public void head(HttpResponse head, BodyFlow flow) {
            failed = head.status().code() >= 500;
          }

          @Override
          public void content(ByteBuf piece) {
            piece.release();
          }

          @Override
          public void end() {
            if (failed) {
              failures.incrementAndGet();
              health.failure(node.id());
            } else {
              health.success(node.id());
            }
            lastResults.put(node.id(), !failed);
          }

          @Override
          public void failed(UpstreamException failure, boolean headSeen) {
            failures.incrementAndGet();
            if (failure.kind() == UpstreamException.Kind.CONNECT) {
              health.markDown(
                  node.id()); // nothing listens there: no need to wait for more failures
            } else {
              health.failure(node.id());
            }
            lastResults.put(node.id(), false);
          }
        });
  }

  @Override
  public void close() {
    if (task != null) {
      task.cancel(false);
    }
  }
}
