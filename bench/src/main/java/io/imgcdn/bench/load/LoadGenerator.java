package io.imgcdn.bench.load;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * An HTTP/1.1 load generator replaying a trace over keep-alive connections, in a closed loop (each
 * connection sends its next request when the previous one completes) or an open loop (requests
 * scheduled at a fixed rate, latency measured from the scheduled time).
 */
public final class LoadGenerator {

  /*
   * Open loop and coordinated omission [1]. A closed-loop client that measures from the actual send
   * stops sending while the server stalls, so the stall shows up as one slow request instead of all the
   * requests that should have been sent meanwhile. In the open loop, request i is due at
   * start + i / rate; a free connection takes the next due request and its latency counts from the due
   * time, so time spent waiting for a free connection is in the figures (as in wrk2 [2]). Requests
   * still unsent when the run ends are counted in LoadResult.unsent.
   *
   * Netty client: one NIO event loop per thread; each connection is bound to one loop and keeps its
   * counters and HdrHistogram there (no sharing on the hot path); they are merged after the loops stop.
   *
   * Bounds: no request is sent after the duration; in-flight requests then get their request timeout;
   * a watchdog ends the run at duration + request timeout + connect timeout + 5 s whatever happens,
   * and the event loops are shut down before run() returns.
   *
   * [1] G. Tene. How NOT to Measure Latency. QCon 2015; HdrHistogram's coordinated-omission notes.
   * [2] wrk2: https://github.com/giltene/wrk2
   */

  private LoadGenerator() {}

  /** Runs {@code spec} to its end and returns what it measured. */
  public static LoadResult run(LoadSpec spec) throws InterruptedException {
    try (Session once = new Session(spec, false)) {
      return once.run(spec);
    }
  }

  /**
   * Opens a session whose keep-alive connections outlive each run: {@link Session#run} after {@link
   * Session#run} goes on over the same connections (a broken one is re-opened), so a series of
   * short runs (e.g. one pass right after dropping a server's page cache) measures requests, not
   * connection set-up. Every run's spec must have the session's targets, connections, threads, host
   * header and connect timeout.
   */
  public static Session session(LoadSpec shape) {
    return new Session(shape, true);
  }

  /**
   * Connections and their event loops, for one run ({@link #run(LoadSpec)}) or several ({@link
   * #session}).
   */
  public static final class Session implements AutoCloseable {
    private final LoadSpec shape;
    private final EventLoopGroup group;
    private final boolean keepOpen;
    private @Nullable List<Connection> connections; // opened by the first run

    private Session(LoadSpec shape, boolean keepOpen) {
      this.shape = shape;
      this.keepOpen = keepOpen;
      this.group = new MultiThreadIoEventLoopGroup(shape.threads(), NioIoHandler.newFactory());
    }

    /**
     * Runs {@code spec} to its end over this session's connections and returns what it measured.
     */
    public LoadResult run(LoadSpec spec) throws InterruptedException {
      if (!spec.targets().equals(shape.targets())
          || spec.connections() != shape.connections()
          || spec.threads() != shape.threads()
          || !java.util.Objects.equals(spec.hostHeader(), shape.hostHeader())
          || !spec.connectTimeout().equals(shape.connectTimeout())) {
        throw new IllegalArgumentException(
            "spec: "
                + spec.targets()
                + " x "
                + spec.connections()
                + " connections, "
                + spec.threads()
                + " threads (expected: the session's "
                + shape.targets()
                + " x "
                + shape.connections()
                + ", "
                + shape.threads()
                + ", same host header and connect timeout)");
      }
      LoadRun run = new LoadRun(spec, System.nanoTime());
      if (connections == null) {
        connections = new ArrayList<>();
        for (int i = 0; i < spec.connections(); i++) {
          URI target = spec.targets().get(i % spec.targets().size());
          int port = target.getPort() > 0 ? target.getPort() : 80;
          String host =
              spec.hostHeader() != null
                  ? spec.hostHeader()
                  : target.getHost() + (target.getPort() > 0 ? ":" + target.getPort() : "");
          connections.add(
              new Connection(
                  run,
                  group.next(),
                  new InetSocketAddress(target.getHost(), port),
                  host,
                  keepOpen));
        }
        connections.forEach(Connection::start);
      } else {
        connections.forEach(c -> c.begin(run));
      }
      long watchdogNanos =
          spec.duration().toNanos()
              + spec.requestTimeout().toNanos()
              + spec.connectTimeout().toNanos()
              + TimeUnit.SECONDS.toNanos(5);
      if (!run.done().await(watchdogNanos, TimeUnit.NANOSECONDS)) {
        run.stopping = true;
        connections.forEach(Connection::stop);
        run.done()
            .await(
                10, TimeUnit.SECONDS); // each connection's counters are final once it counted down
      }
      Stats total = new Stats();
      long last = run.startNanos;
      for (Connection c : connections) {
        total.add(c.stats);
        last = Math.max(last, c.lastCompletionNanos);
      }
      long unsent = spec.openLoop() ? Math.max(0, run.scheduled - total.sent) : 0;
      return LoadResult.of(spec, last - run.startNanos, total, unsent);
    }

    /** Closes the connections and stops the event loops. */
    @Override
    public void close() throws InterruptedException {
      if (connections != null) {
        connections.forEach(Connection::stop);
      }
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
    }
  }
}
