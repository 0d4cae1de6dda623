package io.imgcdn.common.cluster;

import io.imgcdn.hashring.HashRings;
import io.imgcdn.hashring.NodeLocator;
import io.imgcdn.hashring.Placement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The current cluster as this node sees it: the membership from the cluster file and the rings
 * built from it, swapped atomically when the file changes (checked periodically) or on {@link
 * #reload()}.
 */
public final class ClusterView implements AutoCloseable {
  /*
   * Requests read one immutable Rings snapshot; a reload builds new rings off to the side and swaps the
   * reference, so no request ever sees half a membership. A file that fails to parse keeps the old rings
   * (logged), so a typo pushed by an operator cannot empty the cluster. Polling the modification time
   * (rather than a WatchService) also catches the atomic rename that Ansible's template module does.
   */
  private static final Logger LOG = LoggerFactory.getLogger(ClusterView.class);

  /** One consistent snapshot. */
  public record Rings(
      Membership membership, NodeLocator shards, NodeLocator origins, long version) {}

  private final Path file;
  private final Placement placement;
  private final AtomicReference<Rings> current = new AtomicReference<>();
  private volatile @Nullable Rings previous;
  private volatile long changedAtNanos;
  private volatile @Nullable FileTime lastModified;
  private volatile Consumer<Rings> onChange = r -> {};
  private @Nullable ScheduledFuture<?> poller;
  private @Nullable ScheduledExecutorService ownScheduler;

  public ClusterView(Path file, Placement placement) {
    this.file = file;
    this.placement = placement;
    Membership m = ClusterFile.read(file);
    lastModified = mtime();
    current.set(build(m, 1));
  }

  /**
   * A view that polls its file every {@code interval} on a daemon thread of its own (closed with
   * the view).
   */
  public static ClusterView watching(
      Path file, Placement placement, java.time.Duration interval, String nodeId) {
    ClusterView view = new ClusterView(file, placement);
    view.ownScheduler =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name(nodeId + "-cluster").daemon(true).factory());
    view.watch(view.ownScheduler, interval.toMillis());
    return view;
  }

  /** The admin action that re-reads the cluster file now: {@code POST /admin/cluster/reload}. */
  public io.imgcdn.common.admin.AdminRoute reloadRoute() {
    return io.imgcdn.common.admin.AdminRoute.action(
        "POST",
        "/admin/cluster/reload",
        (q, body) -> {
          Rings rings = reload();
          return java.util.concurrent.CompletableFuture.completedFuture(
              io.imgcdn.common.admin.AdminResponse.text(
                  200,
                  "cluster version "
                      + rings.version()
                      + ": "
                      + rings.membership().shards().size()
                      + " shards, "
                      + rings.membership().origins().size()
                      + " origins"));
        });
  }

  public Rings rings() {
    return current.get();
  }

  /**
   * The snapshot in force before the last change, if that change happened within {@code window}: a
   * shard asks a key's previous owner before the origin, so a membership change does not send a
   * storm to S3.
   */
  public java.util.Optional<Rings> previous(java.time.Duration window) {
    Rings p = previous;
    if (p == null || System.nanoTime() - changedAtNanos > window.toNanos()) {
      return java.util.Optional.empty();
    }
    return java.util.Optional.of(p);
  }

  public Path file() {
    return file;
  }

  /** Called after each successful swap (e.g. to log or to keep the previous ring for hand-off). */
  public void onChange(Consumer<Rings> listener) {
    this.onChange = listener;
  }

  /** Re-reads the file now; returns the snapshot in force afterwards. Throws if the file is bad. */
  public synchronized Rings reload() {
    Membership m = ClusterFile.read(file);
    lastModified = mtime();
    Rings old = current.get();
    if (m.equals(old.membership())) {
      return old;
    }
    if (m.shards().equals(old.membership().shards())
        && m.origins().equals(old.membership().origins())) {
      // Only edge lines or admin addresses changed: the rings stay, no new version, no hand-off
      // window.
      Rings same = new Rings(m, old.shards(), old.origins(), old.version());
      current.set(same);
      return same;
    }
    Rings next = build(m, old.version() + 1);
    previous = old;
    changedAtNanos = System.nanoTime();
    current.set(next);
    LOG.info(
        "cluster file {} reloaded: {} shards, {} origins (version {})",
        file,
        m.shards().size(),
        m.origins().size(),
        next.version());
    onChange.accept(next);
    return next;
  }

  /** Polls the file's modification time every {@code periodMillis}. */
  public void watch(ScheduledExecutorService scheduler, long periodMillis) {
    poller =
        scheduler.scheduleWithFixedDelay(
            () -> {
              try {
                FileTime now = mtime();
                if (now != null && !now.equals(lastModified)) {
                  reload();
                }
              } catch (RuntimeException e) {
                LOG.warn(
                    "cluster file {} not reloaded, keeping the current rings: {}",
                    file,
                    e.getMessage());
                lastModified = mtime();
              }
            },
            periodMillis,
            periodMillis,
            TimeUnit.MILLISECONDS);
  }

  private Rings build(Membership m, long version) {
    return new Rings(
        m,
        HashRings.create(placement, m.shards()),
        HashRings.create(placement, m.origins()),
        version);
  }

  private @Nullable FileTime mtime() {
    try {
      return Files.getLastModifiedTime(file);
    } catch (java.io.IOException e) {
      return null;
    }
  }

  @Override
  public void close() {
    if (poller != null) {
      poller.cancel(false);
    }
    if (ownScheduler != null) {
      ownScheduler.shutdownNow();
    }
  }
}
