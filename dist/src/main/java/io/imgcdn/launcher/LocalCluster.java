package io.imgcdn.launcher;

import io.imgcdn.common.accesslog.AccessLogSettings;
import io.imgcdn.common.cluster.ClusterFile;
import io.imgcdn.common.cluster.Membership;
import io.imgcdn.common.config.Settings;
import io.imgcdn.edge.EdgeServer;
import io.imgcdn.edge.config.EdgeConfig;
import io.imgcdn.hashring.Node;
import io.imgcdn.origin.OriginServer;
import io.imgcdn.origin.config.OriginConfig;
import io.imgcdn.s3embedded.EmbeddedS3;
import io.imgcdn.shard.ShardServer;
import io.imgcdn.shard.config.ShardConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A whole imgcdn cluster in one JVM on 127.0.0.1: an embedded S3 server, one origin, N shards and
 * one edge, each a real node on its own ports, wired by a real cluster file. Used by {@code imgcdn
 * demo} and by the end-to-end tests. Port 0 means any free port.
 */
public final class LocalCluster implements AutoCloseable {
  /** Ports and sizes; the demo uses fixed ports, tests use 0. */
  public record Layout(
      Path directory,
      int s3Port,
      int originPort,
      int firstShardPort,
      int shards,
      int edgePort,
      int adminPortBase,
      long edgeCacheBytes,
      long shardStoreBytes,
      String signingKey,
      Map<String, String> extraSettings) {}

  public static final String BUCKET = "imgcdn-demo";
  public static final String ACCESS_KEY = "imgcdn-demo";
  public static final String SECRET_KEY = "imgcdn-demo-secret";

  /** Bearer token of every node's admin actions (purge, cluster reload). */
  public static final String ADMIN_TOKEN = "imgcdn-demo-admin-token";

  private final Layout layout;
  private final Path clusterFile;
  // Null until startAll() starts them; start() returns a cluster only once all are up.
  private @Nullable EmbeddedS3 s3;
  private @Nullable OriginServer origin;
  private final List<ShardServer> shards = new ArrayList<>();
  private final List<Integer> shardPorts = new ArrayList<>();
  private @Nullable EdgeServer edge;
  private Map<String, String> edgeChecks = Map.of();

  private LocalCluster(Layout layout) {
    this.layout = layout;
    this.clusterFile = layout.directory().resolve("cluster.conf");
  }

  public static LocalCluster start(Layout layout) throws Exception {
    LocalCluster c = new LocalCluster(layout);
    try {
      c.startAll();
      return c;
    } catch (Exception | Error e) {
      c.close();
      throw e;
    }
  }

  private void startAll() throws Exception {
    Files.createDirectories(layout.directory());
    EmbeddedS3 s3 =
        EmbeddedS3.start(
            layout.directory().resolve("s3"), layout.s3Port(), BUCKET, ACCESS_KEY, SECRET_KEY);
    this.s3 = s3;
    OriginConfig originConfig =
        configure(
            OriginConfig::from,
            Map.of(
                "node.id",
                "origin-1",
                "server.port",
                String.valueOf(layout.originPort()),
                "admin.port",
                adminPort(10),
                "admin.token",
                ADMIN_TOKEN,
                "origin.s3.endpoint",
                s3.endpoint().toString(),
                "origin.s3.region",
                s3.region(),
                "origin.s3.bucket",
                BUCKET,
                "origin.s3.access-key",
                ACCESS_KEY,
                "origin.s3.secret-key",
                SECRET_KEY,
                "origin.signing-key",
                layout.signingKey()),
            "origin.");
    origin = OriginServer.start(originConfig);
    edgeChecks =
        Map.of(
            "edge.signing-key",
            layout.signingKey(),
            "edge.presets",
            String.join(",", originConfig.presets().keySet()));
    writeClusterFile();
    for (int i = 0; i < layout.shards(); i++) {
      ShardServer shard =
          startShard(i, layout.firstShardPort() == 0 ? 0 : layout.firstShardPort() + i);
      shards.add(shard);
      shardPorts.add(shard.port());
    }
    writeClusterFile();
    // The shards started before the file listed them: have them read it now rather than at their
    // next poll, so a stand-in knows every key's owner from the first request (a spilled miss).
    reloadCluster(shards.stream().map(ShardServer::adminPort).toList());
    startEdge(layout.edgePort());
    writeClusterFile(); // with the edge's line, for operators' tools (imgcdn purge)
  }

  private ShardServer startShard(int i, int port) {
    String id = "shard-" + (i + 1);
    return ShardServer.start(
        configure(
            ShardConfig::from,
            Map.of(
                "node.id", id,
                "server.port", String.valueOf(port),
                "admin.port", adminPort(i + 1),
                "admin.token", ADMIN_TOKEN,
                "shard.store.dir", layout.directory().resolve(id).toString(),
                "shard.store.max-bytes", String.valueOf(layout.shardStoreBytes()),
                "cluster.file", clusterFile.toString()),
            "shard."));
  }

  private void startEdge(int port) {
    Map<String, String> base = new HashMap<>(edgeChecks);
    base.putAll(
        Map.of(
            "node.id", "edge-1",
            "server.port", String.valueOf(port),
            "admin.port", adminPort(0),
            "admin.token", ADMIN_TOKEN,
            "edge.cache.max-bytes", String.valueOf(layout.edgeCacheBytes()),
            "edge.index-key", "index.html",
            "cluster.file", clusterFile.toString()));
    edge = EdgeServer.start(configure(EdgeConfig::from, base, "edge."));
  }

  /**
   * Every node of a local cluster logs its requests to its own file in the cluster's logs/ folder.
   */
  private String accessLog(String nodeId) {
    return accessLogDirectory().resolve(nodeId + ".access.log").toString();
  }

  /** Where the nodes' access logs are: one LTSV file per node. */
  public Path accessLogDirectory() {
    return layout.directory().resolve("logs");
  }

  private String adminPort(int offset) {
    return String.valueOf(layout.adminPortBase() == 0 ? 0 : layout.adminPortBase() + offset);
  }

  /**
   * A node's config from its base settings plus the extra settings whose keys start with the node's
   * prefix or are shared by every node ("cluster.", "server."), checked like a config file: a bad
   * or unknown key fails start-up. Each node's access log goes to its own file under {@link
   * #accessLogDirectory()}, not to the console the demo prints on.
   */
  private <T> T configure(
      java.util.function.Function<Settings, T> from, Map<String, String> base, String prefix) {
    Map<String, String> all = new HashMap<>(base);
    all.put(AccessLogSettings.FILE, accessLog(Objects.requireNonNull(base.get("node.id"))));
    layout
        .extraSettings()
        .forEach(
            (k, v) -> {
              if (k.startsWith(prefix) || k.startsWith("cluster.")) {
                all.put(k, v);
              } else if (k.startsWith("server.")) {
                all.putIfAbsent(
                    k, v); // shared server settings (e.g. idle timeout), never a node's own port
              }
            });
    Settings settings = Settings.of(all);
    T config = from.apply(settings);
    settings.finish();
    return config;
  }

  private void writeClusterFile() throws IOException {
    List<Node> shardNodes = new ArrayList<>();
    Map<String, String> admin = new HashMap<>();
    for (int i = 0; i < shardPorts.size(); i++) {
      shardNodes.add(new Node("shard-" + (i + 1), "127.0.0.1:" + shardPorts.get(i), 1));
      admin.put("shard-" + (i + 1), "127.0.0.1:" + shards.get(i).adminPort());
    }
    admin.put("origin-1", "127.0.0.1:" + started(origin).adminPort());
    List<Node> edges = List.of();
    EdgeServer e = edge;
    if (e != null) {
      edges = List.of(new Node("edge-1", "127.0.0.1:" + e.port(), 1));
      admin.put("edge-1", "127.0.0.1:" + e.adminPort());
    }
    Membership m =
        new Membership(
            shardNodes,
            List.of(new Node("origin-1", "127.0.0.1:" + started(origin).port(), 1)),
            edges,
            admin);
    Path tmp = clusterFile.resolveSibling("cluster.conf.tmp");
    Files.writeString(tmp, ClusterFile.format(m));
    Files.move(
        tmp,
        clusterFile,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  /** Stops the edge and starts a new one on the same port: its memory cache starts empty. */
  public void restartEdge() {
    EdgeServer old = started(edge);
    int port = old.port();
    old.close();
    edge = null;
    startEdge(port);
    rewriteClusterFile(); // its admin port may have changed
  }

  private void rewriteClusterFile() {
    try {
      writeClusterFile();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Starts one more shard, writes the new cluster file and has every edge and shard reload it
   * through its admin port (as Ansible's add_shard playbook does), so the new ring is in force on
   * return.
   */
  public ShardServer addShard() throws Exception {
    int i = shards.size();
    ShardServer shard = startShard(i, 0);
    shards.add(shard);
    shardPorts.add(shard.port());
    writeClusterFile();
    List<Integer> adminPorts = new ArrayList<>();
    shards.forEach(s -> adminPorts.add(s.adminPort()));
    adminPorts.add(started(edge).adminPort());
    reloadCluster(adminPorts);
    return shard;
  }

  /** Has the nodes on {@code adminPorts} read the cluster file now (POST /admin/cluster/reload). */
  private static void reloadCluster(List<Integer> adminPorts) throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    for (int port : adminPorts) {
      var response =
          http.send(
              java.net.http.HttpRequest.newBuilder(
                      java.net.URI.create("http://127.0.0.1:" + port + "/admin/cluster/reload"))
                  .header("Authorization", "Bearer " + ADMIN_TOKEN)
                  .POST(java.net.http.HttpRequest.BodyPublishers.noBody())
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(
            "reload on admin port " + port + ": " + response.statusCode() + " " + response.body());
      }
    }
  }

  /** Stops shard i (0-based) and starts it again on the same port over the same store directory. */
  public void restartShard(int i) {
    shards.get(i).close();
    shards.set(i, startShard(i, shardPorts.get(i)));
    rewriteClusterFile(); // its admin port may have changed
  }

  public EmbeddedS3 s3() {
    return started(s3);
  }

  public EdgeServer edge() {
    return started(edge);
  }

  public OriginServer origin() {
    return started(origin);
  }

  private static <T> T started(@Nullable T node) {
    if (node == null) {
      throw new IllegalStateException("not started (or its restart failed)");
    }
    return node;
  }

  public List<ShardServer> shards() {
    return shards;
  }

  /** Where the S3 objects, shard stores, cluster file and logs live. */
  public Path directory() {
    return layout.directory();
  }

  public Path clusterFile() {
    return clusterFile;
  }

  public String edgeUrl() {
    return "http://127.0.0.1:" + started(edge).port();
  }

  /** Stops every node, edge first, S3 last. */
  @Override
  public void close() {
    List<@Nullable AutoCloseable> order = new ArrayList<>();
    order.add(edge);
    order.addAll(shards);
    order.add(origin);
    order.add(s3);
    for (AutoCloseable c : order) {
      if (c != null) {
        try {
          c.close();
        } catch (Exception e) {
          // keep stopping the rest
        }
      }
    }
  }
}
