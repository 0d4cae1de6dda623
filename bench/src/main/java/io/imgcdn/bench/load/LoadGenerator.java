package io.imgcdn.bench.load;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(spec.threads(), NioIoHandler.newFactory());
    List<Connection> connections = new ArrayList<>();
    LoadRun run;
    try {
      run = new LoadRun(spec, System.nanoTime());
      for (int i = 0; i < spec.connections(); i++) {
        URI target = spec.targets().get(i % spec.targets().size());
        int port = target.getPort() > 0 ? target.getPort() : 80;
        String host = spec.hostHeader() != null ? spec.hostHeader()
            : target.getHost() + (target.getPort() > 0 ? ":" + target.getPort() : "");
        connections.add(new Connection(run, group.next(), new InetSocketAddress(target.getHost(), port), host));
      }
      connections.forEach(Connection::start);
      long watchdogNanos = spec.duration().toNanos() + spec.requestTimeout().toNanos()
          + spec.connectTimeout().toNanos() + TimeUnit.SECONDS.toNanos(5);
      run.done().await(watchdogNanos, TimeUnit.NANOSECONDS);
      run.stopping = true;
      connections.forEach(Connection::stop);
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
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
}
