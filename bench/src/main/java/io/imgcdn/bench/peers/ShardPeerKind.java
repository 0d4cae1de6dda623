package io.imgcdn.bench.peers;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Which program plays the shard tier in the reference runs: Traffic Server, or nginx where ATS
 * cannot run.
 */
public enum ShardPeerKind {
  /** Apache Traffic Server (Debian trafficserver), cache in a fixed-size file: what pixiv runs. */
  ATS("ats", "Apache Traffic Server"),
  /** nginx with proxy_cache on disk: a stand-in, labelled as such in every report. */
  NGINX("nginx-disk", "nginx (proxy_cache on disk, standing in for ATS)");

  private final String nodePrefix;
  private final String label;

  ShardPeerKind(String nodePrefix, String label) {
    this.nodePrefix = nodePrefix;
    this.label = label;
  }

  /** Node ids are {@code <prefix>-<n>}; the prefix is the tier in X-Cache tables. */
  public String tier() {
    return nodePrefix;
  }

  public String label() {
    return label;
  }

  /** Why this kind cannot run here, or empty. */
  public Optional<String> unavailable() {
    return this == ATS ? TrafficServer.unavailable() : Nginx.unavailable();
  }

  /** The version line of the program. */
  public String version() {
    return this == ATS ? TrafficServer.version() : Nginx.version();
  }

  /**
   * Starts instance {@code n} (1-based) under {@code dir} forwarding misses to {@code origin} with
   * a disk cache of {@code cacheBytes}.
   */
  public Running start(Path dir, int n, URI origin, long cacheBytes) throws IOException {
    return start(dir, n, origin, cacheBytes, -1);
  }

  /**
   * As {@link #start(Path, int, URI, long)}; {@code ramCacheBytes} sets ATS's RAM cache (-1 auto, 0
   * none).
   */
  public Running start(Path dir, int n, URI origin, long cacheBytes, long ramCacheBytes)
      throws IOException {
    String id = nodePrefix + "-" + n;
    int port = Ports.free();
    if (this == ATS) {
      TrafficServer ts =
          TrafficServer.start(dir.resolve(id), id, port, origin, cacheBytes, ramCacheBytes);
      return new Running(id, ts.uri(), ts.pid(), ts);
    }
    Nginx ng =
        Nginx.startShard(
            dir.resolve(id),
            id,
            port,
            origin,
            dir.resolve(id).resolve("cache"),
            cacheBytes,
            CpuPlacement.current().serverCpuCount());
    return new Running(id, ng.uri(), ng.pid(), ng);
  }

  /** A started instance. */
  public record Running(String nodeId, URI uri, long pid, AutoCloseable process)
      implements AutoCloseable {
    @Override
    public void close() throws Exception {
      process.close();
    }
  }
}
