package io.imgcdn.launcher.faults;

import io.imgcdn.common.cluster.ClusterFile;
import io.imgcdn.common.cluster.ClusterSettings;
import io.imgcdn.common.cluster.Membership;
import io.imgcdn.common.config.NodeSettings;
import io.imgcdn.common.config.Settings;
import io.imgcdn.edge.EdgeServer;
import io.imgcdn.edge.config.EdgeConfig;
import io.imgcdn.hashring.HashRings;
import io.imgcdn.hashring.Node;
import io.imgcdn.hashring.NodeLocator;
import io.imgcdn.hashring.Placement;
import io.imgcdn.origin.OriginServer;
import io.imgcdn.origin.config.OriginConfig;
import io.imgcdn.s3embedded.EmbeddedS3;
import io.imgcdn.shard.ShardServer;
import io.imgcdn.shard.config.ShardConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A cluster for fault tests on 127.0.0.1: embedded S3 behind an {@link FaultProxy}, one origin, N
 * shards (in this JVM, or as child JVMs that can be killed) and one edge, with hooks LocalCluster
 * does not need: stop a shard and start it again later over the same store (and port), kill one,
 * restart the edge.
 */
final class FaultCluster implements AutoCloseable {
  /*
   * Same wiring as LocalCluster (the cluster file is written once the shard ports are known, every node
   * is configured through its real config parser and Settings.finish() rejects unknown keys), so what
   * these tests show holds for the nodes `imgcdn edge|shard|origin` runs. Extra settings go to the nodes
   * whose prefix they carry ("origin.", "shard.", "edge.") and "cluster." ones to every node.
   */
  static final String BUCKET = "imgcdn-faults";
  static final String ACCESS_KEY = "faults-access";
  static final String SECRET_KEY = "faults-secret-0123456789";
  static final String ADMIN_TOKEN = "faults-admin-token";
  static final String SIGNING_KEY = "faults-signing-key-0123456789abcdef";

  /**
   * How to build the cluster: which shards (and whether the origin) run in child JVMs rather than
   * this one; {@code shardDirs}: store directory per shard (null: under {@code dir}); {@code
   * childHeap}: the heap of each child JVM.
   */
  record Options(
      int shards,
      Set<Integer> childJvmShards,
      boolean originInChildJvm,
      long shardStoreBytes,
      long edgeCacheBytes,
      Map<String, String> extraSettings,
      List<Path> shardDirs,
      int proxiedShard,
      InNamespace inNamespace,
      String childHeap) {
    Options {
      childJvmShards = Set.copyOf(childJvmShards);
      extraSettings = Map.copyOf(extraSettings);
    }

    static Options inProcess(int shards) {
      return new Options(
          shards,
          Set.of(),
          false,
          64L << 20,
          64L << 20,
          Map.of(),
          null,
          -1,
          null,
          NodeProcess.DEFAULT_HEAP);
    }

    /** Shard i runs in a child JVM (so it can be killed); the others stay in this one. */
    Options shardProcess(int i) {
      Set<Integer> child = new java.util.HashSet<>(childJvmShards);
      child.add(i);
      return new Options(
          shards,
          child,
          originInChildJvm,
          shardStoreBytes,
          edgeCacheBytes,
          extraSettings,
          shardDirs,
          proxiedShard,
          inNamespace,
          childHeap);
    }

    Options originProcess() {
      return new Options(
          shards,
          childJvmShards,
          true,
          shardStoreBytes,
          edgeCacheBytes,
          extraSettings,
          shardDirs,
          proxiedShard,
          inNamespace,
          childHeap);
    }

    Options edgeCacheBytes(long bytes) {
      return new Options(
          shards,
          childJvmShards,
          originInChildJvm,
          shardStoreBytes,
          bytes,
          extraSettings,
          shardDirs,
          proxiedShard,
          inNamespace,
          childHeap);
    }

    Options shardStoreBytes(long bytes) {
      return new Options(
          shards,
          childJvmShards,
          originInChildJvm,
          bytes,
          edgeCacheBytes,
          extraSettings,
          shardDirs,
          proxiedShard,
          inNamespace,
          childHeap);
    }

    Options settings(Map<String, String> extra) {
      return new Options(
          shards,
          childJvmShards,
          originInChildJvm,
          shardStoreBytes,
          edgeCacheBytes,
          extra,
          shardDirs,
          proxiedShard,
          inNamespace,
          childHeap);
    }

    /** The heap of each child JVM (e.g. "768m"). */
    Options childHeap(String heap) {
      return new Options(
          shards,
          childJvmShards,
          originInChildJvm,
          shardStoreBytes,
          edgeCacheBytes,
          extraSettings,
          shardDirs,
          proxiedShard,
          inNamespace,
          heap);
    }

    Options shardDirs(List<Path> dirs) {
      return new Options(
          shards,
          childJvmShards,
          originInChildJvm,
          shardStoreBytes,
          edgeCacheBytes,
          extraSettings,
          dirs,
          proxiedShard,
          inNamespace,
          childHeap);
    }

    /** Shard i is reached (by the edge and the other shards) through a {@link FaultProxy}. */
    Options proxyInFrontOfShard(int i) {
      return new Options(
          shards,
          childJvmShards,
          originInChildJvm,
          shardStoreBytes,
          edgeCacheBytes,
          extraSettings,
          shardDirs,
          i,
          inNamespace,
          childHeap);
    }

    /**
     * Shard i runs in a child JVM inside {@code link}'s namespace, bound to its address there; the
     * origin binds the root end of the veth so that shard can reach it. Every other node stays on
     * 127.0.0.1.
     */
    Options shardInNamespace(int i, NetnsLink link) {
      return new Options(
              shards,
              childJvmShards,
              originInChildJvm,
              shardStoreBytes,
              edgeCacheBytes,
              extraSettings,
              shardDirs,
              proxiedShard,
              new InNamespace(i, link),
              childHeap)
          .shardProcess(i);
    }
  }

  /** Which shard runs in which network namespace. */
  record InNamespace(int shard, NetnsLink link) {}

  /** A running shard or origin node, in this JVM or a child one. */
  interface NodeHandle {
    String id();

    int port();

    int adminPort();

    /** Orderly stop: in-flight requests end, the store is closed. */
    void stop();
  }

  private record InProcessShard(ShardServer server, String id) implements NodeHandle {
    @Override
    public int port() {
      return server.port();
    }

    @Override
    public int adminPort() {
      return server.adminPort();
    }

    @Override
    public void stop() {
      server.close();
    }
  }

  private record InProcessOrigin(OriginServer server, String id) implements NodeHandle {
    @Override
    public int port() {
      return server.port();
    }

    @Override
    public int adminPort() {
      return server.adminPort();
    }

    @Override
    public void stop() {
      server.close();
    }
  }

  private final Path dir;
  private final Options options;
  private final Path clusterFile;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private FaultProxy proxy;
  private FaultProxy shardProxy;
  private EmbeddedS3 s3;
  private NodeHandle origin;
  private final List<NodeHandle> shards = new ArrayList<>();
  private final List<Integer> shardPorts = new ArrayList<>();
  private EdgeServer edge;
  private NodeLocator shardRing;

  private FaultCluster(Path dir, Options options) {
    this.dir = dir;
    this.options = options;
    this.clusterFile = dir.resolve("cluster.conf");
  }

  static FaultCluster start(Path dir, Options options) throws Exception {
    FaultCluster c = new FaultCluster(dir, options);
    try {
      c.startAll();
      return c;
    } catch (Exception | Error e) {
      c.close();
      throw e;
    }
  }

  private void startAll() throws Exception {
    Files.createDirectories(dir);
    proxy = FaultProxy.start();
    s3 = EmbeddedS3.start(dir.resolve("s3"), 0, BUCKET, ACCESS_KEY, SECRET_KEY);
    proxy.upstream(s3.endpoint());
    Map<String, String> originBase =
        new HashMap<>(
            Map.of(
                "node.id",
                "origin-1",
                "server.port",
                "0",
                "admin.port",
                "0",
                "origin.s3.endpoint",
                proxy.endpoint().toString(),
                "origin.s3.region",
                s3.region(),
                "origin.s3.bucket",
                BUCKET,
                "origin.s3.access-key",
                ACCESS_KEY,
                "origin.s3.secret-key",
                SECRET_KEY,
                "origin.signing-key",
                SIGNING_KEY));
    originBase.put(NodeSettings.HOST, originHost());
    Map<String, String> originSettings = merged(originBase, "origin.");
    origin =
        options.originInChildJvm()
            ? NodeProcess.start(
                List.of(),
                "origin",
                "origin-1",
                originSettings,
                dir.resolve("origin-1.log"),
                options.childHeap())
            : new InProcessOrigin(
                OriginServer.start(parse(OriginConfig::from, originSettings)), "origin-1");
    writeClusterFile();
    // Child JVMs start in parallel: each takes seconds on this 2-core machine.
    List<CompletableFuture<NodeHandle>> starting = new ArrayList<>();
    for (int i = 0; i < options.shards(); i++) {
      int index = i;
      starting.add(
          CompletableFuture.supplyAsync(
              () -> startShard(index, 0), r -> Thread.ofPlatform().daemon(true).start(r)));
    }
    for (CompletableFuture<NodeHandle> s : starting) {
      NodeHandle shard = s.join();
      shards.add(shard);
      shardPorts.add(shard.port());
    }
    if (options.proxiedShard() >= 0) {
      shardProxy = FaultProxy.start();
      shardProxy.upstream(URI.create("http://127.0.0.1:" + shardPorts.get(options.proxiedShard())));
    }
    writeClusterFile();
    // The shards started before the file listed them: have them read it now rather than at their
    // next poll, so a stand-in knows every key's owner from the first request (a spilled miss).
    for (int i = 0; i < shards.size(); i++) {
      NodeHandle shard = shards.get(i);
      HttpResponse<String> reloaded =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://"
                                  + shardHost(i)
                                  + ":"
                                  + shard.adminPort()
                                  + "/admin/cluster/reload"))
                      .header("Authorization", "Bearer " + ADMIN_TOKEN)
                      .POST(HttpRequest.BodyPublishers.noBody())
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      if (reloaded.statusCode() != 200) {
        throw new IllegalStateException(shard.id() + " reload: " + reloaded.body());
      }
    }
    startEdge(0);
  }

  private NodeHandle startShard(int i, int port) {
    String id = shardId(i);
    Map<String, String> settings =
        merged(
            Map.of(
                "node.id",
                id,
                NodeSettings.HOST,
                shardHost(i),
                "server.port",
                String.valueOf(port),
                "admin.port",
                "0",
                "admin.token",
                ADMIN_TOKEN,
                "shard.store.dir",
                shardDir(i).toString(),
                "shard.store.max-bytes",
                String.valueOf(options.shardStoreBytes()),
                "cluster.file",
                clusterFile.toString()),
            "shard.");
    if (options.childJvmShards().contains(i)) {
      InNamespace ns = options.inNamespace();
      List<String> prefix = ns != null && ns.shard() == i ? ns.link().execPrefix() : List.of();
      return NodeProcess.start(
          prefix, "shard", id, settings, dir.resolve(id + ".log"), options.childHeap());
    }
    return new InProcessShard(ShardServer.start(parse(ShardConfig::from, settings)), id);
  }

  private void startEdge(int port) {
    edge =
        EdgeServer.start(
            parse(
                EdgeConfig::from,
                merged(
                    Map.of(
                        "node.id",
                        "edge-1",
                        "server.port",
                        String.valueOf(port),
                        "admin.port",
                        "0",
                        "admin.token",
                        ADMIN_TOKEN,
                        "edge.cache.max-bytes",
                        String.valueOf(options.edgeCacheBytes()),
                        "cluster.file",
                        clusterFile.toString()),
                    "edge.")));
  }

  private Map<String, String> merged(Map<String, String> base, String prefix) {
    Map<String, String> all = new HashMap<>(base);
    options
        .extraSettings()
        .forEach(
            (k, v) -> {
              if (k.startsWith(prefix) || k.startsWith("cluster.")) {
                all.put(k, v);
              }
            });
    return all;
  }

  private static <T> T parse(Function<Settings, T> from, Map<String, String> values) {
    Settings settings = Settings.of(values);
    T config = from.apply(settings);
    settings.finish();
    return config;
  }

  private void writeClusterFile() throws IOException {
    List<Node> shardNodes = new ArrayList<>();
    for (int i = 0; i < shardPorts.size(); i++) {
      int port =
          i == options.proxiedShard() && shardProxy != null
              ? shardProxy.endpoint().getPort()
              : shardPorts.get(i);
      shardNodes.add(new Node(shardId(i), shardHost(i) + ":" + port, 1));
    }
    Membership m =
        new Membership(
            shardNodes, List.of(new Node("origin-1", originHost() + ":" + origin.port(), 1)));
    shardRing = HashRings.create(Placement.parse(ClusterSettings.DEFAULT_PLACEMENT), shardNodes);
    Path tmp = clusterFile.resolveSibling("cluster.conf.tmp");
    Files.writeString(tmp, ClusterFile.format(m));
    Files.move(
        tmp, clusterFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** The address shard i binds and is listed at: 127.0.0.1, or its namespace's address. */
  String shardHost(int i) {
    InNamespace ns = options.inNamespace();
    return ns != null && ns.shard() == i ? ns.link().namespaceAddress() : "127.0.0.1";
  }

  /**
   * The address the origin binds: 127.0.0.1, or the root end of the veth when a shard is in a
   * namespace.
   */
  private String originHost() {
    return options.inNamespace() != null ? options.inNamespace().link().hostAddress() : "127.0.0.1";
  }

  static String shardId(int i) {
    return "shard-" + (i + 1);
  }

  Path shardDir(int i) {
    return options.shardDirs() != null ? options.shardDirs().get(i) : dir.resolve(shardId(i));
  }

  /** The ring the edge routes with (the default placement, as in the cluster file). */
  NodeLocator shardRing() {
    return shardRing;
  }

  /** Index of the shard that owns {@code path} at the edge. */
  int owner(String path) {
    String id = shardRing.owner(path).id();
    return Integer.parseInt(id.substring("shard-".length())) - 1;
  }

  /**
   * Asks every object straight from its owner shard, not through the edge (so the edge's
   * per-attempt bound does not apply to the cold misses: at load average 28 one waited 10 s for
   * S3), and returns the keys that shard {@code shard} owns.
   */
  Set<Integer> warmOwners(ObjectSet objects, int shard) throws IOException, InterruptedException {
    Set<Integer> owned = new java.util.TreeSet<>();
    for (int k = 0; k < objects.size(); k++) {
      int owner = owner(objects.path(k));
      URI uri =
          URI.create(
              "http://" + shardHost(owner) + ":" + shards.get(owner).port() + objects.path(k));
      HttpResponse<byte[]> r =
          http.send(
              HttpRequest.newBuilder(uri).timeout(java.time.Duration.ofMinutes(2)).build(),
              HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() != 200) {
        throw new IllegalStateException(
            "warm-up " + uri + ": status " + r.statusCode() + " (expected: 200)");
      }
      if (owner == shard) {
        owned.add(k);
      }
    }
    return owned;
  }

  /** Stops shard i in order (its store closed); {@link #startShard(int)} brings it back. */
  void stopShard(int i) {
    shards.get(i).stop();
  }

  /** SIGKILL of a child-JVM shard. */
  void killShard(int i) {
    ((NodeProcess) shards.get(i)).kill();
  }

  /** Starts shard i again on its port over its store directory. */
  void startShard(int i) {
    shards.set(i, startShard(i, shardPorts.get(i)));
  }

  NodeHandle shard(int i) {
    return shards.get(i);
  }

  List<NodeHandle> shards() {
    return shards;
  }

  /** A new edge on the same port: its memory cache (and its view of node health) starts empty. */
  void restartEdge() {
    int port = edge.port();
    edge.close();
    edge = null;
    startEdge(port);
  }

  String edgeUrl() {
    return "http://127.0.0.1:" + edge.port();
  }

  EdgeServer edge() {
    return edge;
  }

  NodeHandle origin() {
    return origin;
  }

  EmbeddedS3 s3() {
    return s3;
  }

  /** The proxy between the origin and S3. */
  FaultProxy proxy() {
    return proxy;
  }

  /** The proxy in front of the shard named in {@link Options#proxyInFrontOfShard(int)}. */
  FaultProxy shardProxy() {
    return shardProxy;
  }

  /** Netty "LEAK:" reports in the logs of the nodes running in child JVMs. */
  List<String> childLeakReports() {
    List<String> reports = new ArrayList<>();
    for (NodeHandle n : shards) {
      if (n instanceof NodeProcess p) {
        reports.addAll(p.leakReports());
      }
    }
    if (origin instanceof NodeProcess p) {
      reports.addAll(p.leakReports());
    }
    return reports;
  }

  /** The Prometheus text of a node's /metrics. */
  String metrics(int adminPort) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/metrics"))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Sum of every sample of {@code name} whose labels contain all of {@code labels} (e.g.
   * tier="origin").
   */
  static double metric(String prometheusText, String name, String... labels) {
    double total = 0;
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{[^}]*})? ([0-9.eE+-]+|NaN)$")
            .matcher(prometheusText);
    while (m.find()) {
      String labelText = m.group(1) == null ? "" : m.group(1);
      boolean all = true;
      for (String l : labels) {
        all &= labelText.contains(l);
      }
      if (all && !m.group(2).equals("NaN")) {
        total += Double.parseDouble(m.group(2));
      }
    }
    return total;
  }

  /** Stops every node, edge first, S3 and the proxy last. */
  @Override
  public void close() {
    List<AutoCloseable> order = new ArrayList<>();
    order.add(edge);
    for (NodeHandle s : shards) {
      order.add(s::stop);
    }
    if (origin != null) {
      order.add(origin::stop);
    }
    order.add(s3);
    order.add(proxy);
    order.add(shardProxy);
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
