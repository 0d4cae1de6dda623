package io.imgcdn.bench.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One Apache Traffic Server instance (Debian's {@code trafficserver} package, 9.2) reverse-proxying
 * every path to one origin, with its own runroot, configuration, logs and a cache file of fixed
 * size, all under one directory; started by {@code traffic_server} directly (no {@code
 * traffic_manager}), stopped by pid.
 */
public final class TrafficServer implements AutoCloseable {

  /*
   * How it runs unprivileged-ish in a temporary directory (ATS 9.2):
   *
   * - Runroot. traffic_server --run-root=<dir>/runroot.yaml takes every directory from that file
   *   (Layout::runroot_setup). `traffic_layout init --path` is no help with Debian's build: its layout is
   *   absolute (/etc/trafficserver, /var/cache/trafficserver, /run/trafficserver), and init copies only the
   *   prefix-relative parts (bin, lib), so we write runroot.yaml ourselves: sysconfdir, cachedir, logdir,
   *   runtimedir and localstatedir under <dir>, binaries and plugins from /usr.
   * - User. As root, traffic_server switches to proxy.config.admin.user_id, and refuses to serve as root
   *   ("Fatal: Trafficserver has not been designed to serve pages while running as root") if that is root.
   *   "#-1" means "do not switch" (records.config). It then serves as whoever started it; the only cost is
   *   traffic_crashlog logging "missing password database entry for '#-1'" once.
   * - Configuration. Only the files that matter are written (records.config, remap.config, storage.config,
   *   plugin.config, ip_allow.yaml, the X-Cache rules); the optional ones ATS looks for are written empty so
   *   diags.log has no warnings. Without ip_allow.yaml ATS blocks every client.
   * - Cache. storage.config names a directory and a size: ATS creates <dir>/cache/cache.db of that size and
   *   clears it on first start ("disk header different ... clearing the disk"), then logs "cache enabled".
   *   Readiness is that line plus the port accepting.
   * - X-Cache. The header_rewrite plugin (shipped) sets "X-Cache: <id>;hit|miss|stale" from %{CACHE}, so the
   *   load generator counts ATS's hits exactly as it counts our nodes'.
   */

  /** Where Debian installs the server binary. */
  public static final Path BINARY = Path.of("/usr/bin/traffic_server");

  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final List<String> EMPTY_CONFIGS =
      List.of(
          "cache.config",
          "parent.config",
          "volume.config",
          "hosting.config",
          "ssl_multicert.config",
          "splitdns.config",
          "socks.config");

  private final String nodeId;
  private final int port;
  private final Path root;
  private final PeerProcess process;

  private TrafficServer(String nodeId, int port, Path root, PeerProcess process) {
    this.nodeId = nodeId;
    this.port = port;
    this.root = root;
    this.process = process;
  }

  /** Why traffic_server cannot run here, or empty if it can. */
  public static Optional<String> unavailable() {
    if (!Files.isExecutable(BINARY)) {
      return Optional.of(BINARY + " not found (Debian: apt-get install -y trafficserver)");
    }
    return Optional.empty();
  }

  /**
   * Starts an instance under {@code root} (created; must be empty or absent) listening on
   * 127.0.0.1:{@code port}, forwarding every path to {@code origin}, with a disk cache of {@code
   * cacheBytes}, and returns once its cache is enabled and its port accepts.
   *
   * @param nodeId the id in its X-Cache header, e.g. {@code ats-1}
   */
  public static TrafficServer start(Path root, String nodeId, int port, URI origin, long cacheBytes)
      throws IOException {
    return start(root, nodeId, port, origin, cacheBytes, -1);
  }

  /**
   * As {@link #start(Path, String, int, URI, long)} with the RAM cache's size in bytes ({@code
   * proxy.config.cache.ram_cache.size}): -1 for ATS's automatic sizing, 0 for none.
   */
  public static TrafficServer start(
      Path root, String nodeId, int port, URI origin, long cacheBytes, long ramCacheBytes)
      throws IOException {
    unavailable()
        .ifPresent(
            reason -> {
              throw new IllegalStateException(reason);
            });
    long cacheMib = cacheBytes >> 20;
    if (cacheMib < 128) {
      throw new IllegalArgumentException(
          "cacheBytes: "
              + cacheBytes
              + " (expected: >= 128 MiB, the smallest cache "
              + "span this bench gives ATS)");
    }
    Path dir = root.toAbsolutePath();
    for (String sub : List.of("etc", "cache", "log", "run", "var")) {
      Files.createDirectories(dir.resolve(sub));
    }
    Path etc = dir.resolve("etc");
    write(
        dir.resolve("runroot.yaml"),
        Templates.render("ats/runroot.yaml", Map.of("root", dir.toString())));
    write(
        etc.resolve("records.config"),
        Templates.render(
            "ats/records.config",
            Map.of(
                "port",
                String.valueOf(port),
                "ram_cache",
                String.valueOf(ramCacheBytes),
                "threads",
                String.valueOf(CpuPlacement.current().serverCpuCount()))));
    write(
        etc.resolve("storage.config"),
        Templates.render(
            "ats/storage.config",
            Map.of(
                "cache_dir",
                dir.resolve("cache").toString(),
                "cache_mib",
                String.valueOf(cacheMib))));
    String originText = origin.toString().replaceAll("/+$", "");
    write(
        etc.resolve("remap.config"),
        Templates.render("ats/remap.config", Map.of("origin", originText)));
    write(etc.resolve("plugin.config"), Templates.render("ats/plugin.config", Map.of()));
    write(
        etc.resolve("x-cache.conf"),
        Templates.render("ats/x-cache.conf", Map.of("node_id", nodeId)));
    write(etc.resolve("ip_allow.yaml"), Templates.render("ats/ip_allow.yaml", Map.of()));
    for (String f : EMPTY_CONFIGS) {
      write(etc.resolve(f), "# empty: not used by the bench\n");
    }
    write(etc.resolve("sni.yaml"), "sni: []\n");
    Path log = dir.resolve("log").resolve("stdout.log");
    PeerProcess p =
        PeerProcess.start(
            nodeId,
            CpuPlacement.current()
                .server(List.of(BINARY.toString(), "--run-root=" + dir.resolve("runroot.yaml"))),
            dir,
            log,
            Map.of("TS_RUNROOT", dir.resolve("runroot.yaml").toString()));
    TrafficServer ts = new TrafficServer(nodeId, port, dir, p);
    try {
      Path diags = dir.resolve("log").resolve("diags.log");
      p.awaitReady(port, () -> cacheEnabled(diags), START_TIMEOUT);
      return ts;
    } catch (RuntimeException e) {
      ts.close();
      throw new IllegalStateException(
          e.getMessage()
              + "\ndiags.log:\n"
              + PeerProcess.tail(dir.resolve("log").resolve("diags.log"), 30),
          e);
    }
  }

  private static boolean cacheEnabled(Path diags) {
    try {
      return Files.exists(diags)
          && Files.readString(diags, StandardCharsets.ISO_8859_1).contains("cache enabled");
    } catch (IOException e) {
      return false;
    }
  }

  private static void write(Path file, String text) {
    try {
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("writing " + file, e);
    }
  }

  /**
   * {@code traffic_server -V}'s version line, e.g. {@code Traffic Server 9.2.9 ...}, or "unknown".
   */
  public static String version() {
    return Versions.firstLine(List.of(BINARY.toString(), "-V"), "Traffic Server");
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

  /** The instance's directory (runroot, config, cache file, logs). */
  public Path root() {
    return root;
  }

  @Override
  public void close() {
    process.close();
  }
}
