package io.imgcdn.bench.peers;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * One nginx (Debian's 1.22) started from a generated configuration in its own directory: the
 * reference cluster's memory front ({@link #startFront}), or a disk-cache shard ({@link
 * #startShard}) where Traffic Server is not available. Runs in the foreground ({@code daemon off})
 * so it is stopped by pid.
 */
public final class Nginx implements AutoCloseable {

  /*
   * Debian's nginx is built with absolute temp paths under /var/lib/nginx and an error log on stderr;
   * the config sets every temp path under the instance's directory and `-e` names the early error log, so
   * nothing outside the directory is written. As root, nginx's workers would switch to "nobody", which
   * cannot write the cache directory we created; "user root" keeps them as we are (only when we are root:
   * otherwise nginx ignores the directive with a warning, so it is left out).
   */

  /** Where Debian installs nginx. */
  public static final Path BINARY = Path.of("/usr/sbin/nginx");

  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final String nodeId;
  private final int port;
  private final PeerProcess process;

  private Nginx(String nodeId, int port, PeerProcess process) {
    this.nodeId = nodeId;
    this.port = port;
    this.process = process;
  }

  /** Why nginx cannot run here, or empty if it can. */
  public static Optional<String> unavailable() {
    return Files.isExecutable(BINARY)
        ? Optional.empty()
        : Optional.of(BINARY + " not found (Debian: apt-get install -y nginx-light)");
  }

  /**
   * The front: {@code proxy_cache} of at most {@code cacheBytes} in {@code cacheDir} (put it on
   * tmpfs, e.g. under /dev/shm), misses to {@code shards} by {@code hash $request_uri consistent}.
   */
  public static Nginx startFront(
      Path dir,
      String nodeId,
      int port,
      List<URI> shards,
      Path cacheDir,
      long cacheBytes,
      int workers)
      throws IOException {
    String servers =
        shards.stream()
            .map(u -> "        server " + u.getHost() + ":" + u.getPort() + ";")
            .collect(Collectors.joining("\n"));
    return start(
        dir,
        nodeId,
        port,
        "nginx/front.conf",
        Map.of("servers", servers),
        cacheDir,
        cacheBytes,
        workers);
  }

  /**
   * A shard-tier peer: {@code proxy_cache} of at most {@code cacheBytes} on disk in {@code
   * cacheDir}, misses to {@code origin}.
   */
  public static Nginx startShard(
      Path dir, String nodeId, int port, URI origin, Path cacheDir, long cacheBytes, int workers)
      throws IOException {
    return start(
        dir,
        nodeId,
        port,
        "nginx/shard.conf",
        Map.of("origin", origin.getHost() + ":" + origin.getPort()),
        cacheDir,
        cacheBytes,
        workers);
  }

  private static Nginx start(
      Path dir,
      String nodeId,
      int port,
      String template,
      Map<String, String> extra,
      Path cacheDir,
      long cacheBytes,
      int workers)
      throws IOException {
    unavailable()
        .ifPresent(
            reason -> {
              throw new IllegalStateException(reason);
            });
    if (workers <= 0) {
      throw new IllegalArgumentException("workers: " + workers + " (expected: > 0)");
    }
    Path d = Files.createDirectories(dir).toAbsolutePath();
    Files.createDirectories(cacheDir);
    String common =
        Templates.render(
            "nginx/common.conf",
            Map.of(
                "workers",
                String.valueOf(workers),
                "user_line",
                runningAsRoot() ? "user root;" : "# user: not root, workers stay who we are",
                "dir",
                d.toString()));
    Map<String, String> values = new java.util.HashMap<>(extra);
    values.put("common", common);
    values.put("dir", d.toString());
    values.put("cache_dir", cacheDir.toAbsolutePath().toString());
    values.put("cache_bytes", String.valueOf(cacheBytes));
    values.put("port", String.valueOf(port));
    values.put("node_id", nodeId);
    Path conf = d.resolve("nginx.conf");
    Files.writeString(conf, Templates.render(template, values), StandardCharsets.UTF_8);
    Path log = d.resolve("stdout.log");
    PeerProcess p =
        PeerProcess.start(
            nodeId,
            CpuPlacement.current()
                .server(
                    List.of(
                        BINARY.toString(),
                        "-p",
                        d.toString(),
                        "-c",
                        conf.toString(),
                        "-e",
                        d.resolve("error.log").toString())),
            d,
            log,
            Map.of());
    Nginx n = new Nginx(nodeId, port, p);
    try {
      p.awaitReady(port, () -> true, START_TIMEOUT);
      return n;
    } catch (RuntimeException e) {
      n.close();
      throw new IllegalStateException(
          e.getMessage() + "\nerror.log:\n" + PeerProcess.tail(d.resolve("error.log"), 20), e);
    }
  }

  static boolean runningAsRoot() {
    try {
      return Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"));
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  /** {@code nginx -v}'s line, e.g. {@code nginx version: nginx/1.22.1}, or "unknown". */
  public static String version() {
    return Versions.firstLine(List.of(BINARY.toString(), "-v"), "nginx version");
  }

  public String nodeId() {
    return nodeId;
  }

  public int port() {
    return port;
  }

  public URI uri() {
    return URI.create("http://127.0.0.1:" + port);
  }

  public long pid() {
    return process.pid();
  }

  @Override
  public void close() {
    process.close();
  }
}
