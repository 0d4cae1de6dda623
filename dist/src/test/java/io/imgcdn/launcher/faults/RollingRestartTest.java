package io.imgcdn.launcher.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.cluster.ClusterFile;
import io.imgcdn.common.cluster.ClusterSettings;
import io.imgcdn.common.cluster.Membership;
import io.imgcdn.hashring.HashRings;
import io.imgcdn.hashring.Node;
import io.imgcdn.hashring.NodeLocator;
import io.imgcdn.hashring.Placement;
import io.imgcdn.launcher.faults.ZipfLoad.Outcome;
import io.imgcdn.s3embedded.EmbeddedS3;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18, restarts without errors or origin storms: a 1 edge + 3 shard + 1 origin cluster, every
 * node in a JVM of its own, under a steady closed-loop load through the edge; every node is
 * restarted in turn as rolling_restart.yml does it (origin, shards, edge).
 */
class RollingRestartTest {
  /*
   * How each node is restarted, as imgcdn-node-ctl.sh does it:
   *   edge, origin - hand-over: the new process starts on the same ports (SO_REUSEPORT; new connections
   *                  go to the newest listener), then the old one gets SIGTERM, announces its end
   *                  (Connection: close on each connection's next response) and drains;
   *   shard        - the old process gets SIGTERM, announces "draining" to the edge's health probe, drains
   *                  and closes its store; then the new one starts over that store on the same port. The
   *                  edge holds requests for the shard's keys until it is back.
   * The edge's memory tier is small (256 KB for ~4 MB of objects) so that most requests reach a shard.
   * Every key is warm in its owner shard first; the S3 requests (counted by the proxy in front of S3)
   * and the requests the origin serves after its own restart must stay at zero.
   */
  private static final String BUCKET = "imgcdn-restart";
  private static final String ACCESS_KEY = "restart-access";
  private static final String SECRET_KEY = "restart-secret-0123456789";
  private static final String ADMIN_TOKEN = "restart-admin-token";
  private static final int KEYS = 200;
  private static final int SHARDS = 3;

  @TempDir Path dir;
  private EmbeddedS3 s3;
  private FaultProxy s3Proxy;
  private final List<NodeProcess> running = new ArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @AfterEach
  void stopAll() throws Exception {
    for (NodeProcess p : running) {
      p.kill();
    }
    if (s3 != null) {
      s3.close();
    }
    if (s3Proxy != null) {
      s3Proxy.close();
    }
  }

  @Test
  void rollingRestartOfEveryNode_underLoad_failsNoRequest_andAsksTheOriginNothing()
      throws Exception {
    s3Proxy = FaultProxy.start();
    s3 = EmbeddedS3.start(dir.resolve("s3"), 0, BUCKET, ACCESS_KEY, SECRET_KEY);
    s3Proxy.upstream(s3.endpoint());
    ObjectSet objects = ObjectSet.put(s3, "r", KEYS, 18);

    int[] originPorts = {freePort(), freePort()};
    int[][] shardPorts = new int[SHARDS][];
    List<Node> shardNodes = new ArrayList<>();
    for (int i = 0; i < SHARDS; i++) {
      shardPorts[i] = new int[] {freePort(), freePort()};
      shardNodes.add(new Node(shardId(i), "127.0.0.1:" + shardPorts[i][0], 1));
    }
    int[] edgePorts = {freePort(), freePort()};
    Path clusterFile = dir.resolve("cluster.conf");
    Files.writeString(
        clusterFile,
        ClusterFile.format(
            new Membership(
                shardNodes, List.of(new Node("origin-1", "127.0.0.1:" + originPorts[0], 1)))));
    NodeLocator ring =
        HashRings.create(Placement.parse(ClusterSettings.DEFAULT_PLACEMENT), shardNodes);

    int generation = 0;
    NodeProcess origin = start("origin", "origin-1", originSettings(originPorts), generation);
    NodeProcess[] shards = new NodeProcess[SHARDS];
    for (int i = 0; i < SHARDS; i++) {
      shards[i] = start("shard", shardId(i), shardSettings(i, shardPorts[i], clusterFile), 0);
    }
    NodeProcess edge = start("edge", "edge-1", edgeSettings(edgePorts, clusterFile), 0);

    // Every key warm in its owner shard (straight, not through the edge).
    for (int k = 0; k < KEYS; k++) {
      String owner = ring.owner(objects.path(k)).id();
      int port = shardPorts[Integer.parseInt(owner.substring("shard-".length())) - 1][0];
      HttpRequest warm =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + objects.path(k)))
              .timeout(Duration.ofSeconds(60))
              .build();
      HttpResponse<byte[]> r = http.send(warm, HttpResponse.BodyHandlers.ofByteArray());
      // The origin JVM's first S3 call loads the SDK's classes: seconds on a busy machine.
      for (int again = 0; again < 3 && r.statusCode() >= 500; again++) {
        r = http.send(warm, HttpResponse.BodyHandlers.ofByteArray());
      }
      assertThat(r.statusCode()).as("warm-up of %s", objects.path(k)).isEqualTo(200);
    }

    List<Outcome> outcomes;
    long s3Before;
    long s3After;
    double originServedBefore;
    double originServedAfter;
    double holds;
    double retries;
    long[] shardGapMillis = new long[SHARDS];
    long started = System.nanoTime();
    try (ZipfLoad load =
        new ZipfLoad(
            "http://127.0.0.1:" + edgePorts[0],
            objects,
            0.9,
            4,
            10_000_000,
            Duration.ofSeconds(30))) {
      load.start();
      assertThat(load.awaitRequests(500, Duration.ofSeconds(60))).isTrue();
      s3Before = s3Proxy.requests();

      // Origin: hand-over.
      load.phase(1);
      generation++;
      NodeProcess nextOrigin = start("origin", "origin-1", originSettings(originPorts), generation);
      stop(origin);
      origin = nextOrigin;
      assertThat(load.awaitRequests(200, Duration.ofSeconds(60))).isTrue();
      originServedBefore = originServed(origin);

      // Shards: announce, drain, start over the same store.
      for (int i = 0; i < SHARDS; i++) {
        load.phase(2 + i);
        long stopping = System.nanoTime();
        stop(shards[i]);
        shards[i] = start("shard", shardId(i), shardSettings(i, shardPorts[i], clusterFile), 1);
        shardGapMillis[i] = (System.nanoTime() - stopping) / 1_000_000;
        assertThat(load.awaitRequests(300, Duration.ofSeconds(60))).isTrue();
      }

      // Edge: hand-over.
      // (read before the next edge binds: from then on new admin connections go to it)
      holds = metric(edge, "imgcdn_edge_fetch_holds_total");
      retries = metric(edge, "imgcdn_edge_fetch_retries_total");
      load.phase(2 + SHARDS);
      NodeProcess nextEdge = start("edge", "edge-1", edgeSettings(edgePorts, clusterFile), 1);
      stop(edge);
      edge = nextEdge;
      assertThat(load.awaitRequests(500, Duration.ofSeconds(60))).isTrue();
      outcomes = load.stop();
      s3After = s3Proxy.requests();
      originServedAfter = originServed(origin);
    }
    double seconds = (System.nanoTime() - started) / 1e9;

    List<Outcome> failed = outcomes.stream().filter(o -> !o.ok()).toList();
    Map<Integer, long[]> perPhase = new java.util.TreeMap<>();
    for (Outcome o : outcomes) {
      long[] c = perPhase.computeIfAbsent(o.phase(), p -> new long[3]);
      c[0]++;
      c[1] += o.ok() ? 0 : 1;
      c[2] = Math.max(c[2], o.millis());
    }
    StringBuilder phases = new StringBuilder();
    perPhase.forEach(
        (p, c) ->
            phases.append(
                String.format(
                    " %s: %d requests, %d failed, slowest %d ms;", name(p), c[0], c[1], c[2])));
    System.out.printf(
        "FAULTS restart: rolling restart of 1 origin, %d shards, 1 edge under 4 clients: %d"
            + " requests in %.1f s, failed %d; S3 requests %d; origin requests after its own"
            + " restart %.0f; edge holds (requests retried on a restarting shard) %.0f, retries on"
            + " another shard %.0f; shard SIGTERM to new process serving %s ms;%s%n",
        SHARDS,
        outcomes.size(),
        seconds,
        failed.size(),
        s3After - s3Before,
        originServedAfter - originServedBefore,
        holds,
        retries,
        java.util.Arrays.toString(shardGapMillis),
        phases);

    assertThat(failed).as("failed requests").isEmpty();
    assertThat(s3After - s3Before).as("S3 requests caused by the restarts").isZero();
    assertThat(originServedAfter - originServedBefore)
        .as("origin requests caused by the shard and edge restarts")
        .isZero();
    assertThat(holds).as("requests that waited for a restarting shard").isPositive();
    for (NodeProcess p : running) {
      assertThat(p.leakReports()).as("%s leaks", p.id()).isEmpty();
    }
  }

  private static String name(int phase) {
    if (phase == 0) {
      return "before";
    }
    if (phase == 1) {
      return "origin";
    }
    return phase < 2 + SHARDS ? shardId(phase - 2) : "edge";
  }

  private NodeProcess start(String role, String id, Map<String, String> settings, int generation) {
    NodeProcess p =
        NodeProcess.start(
            List.of(),
            role,
            id,
            settings,
            dir.resolve(id + "-" + generation + ".log"),
            NodeProcess.DEFAULT_HEAP);
    running.add(p);
    return p;
  }

  /** SIGTERM, and waits for the process to exit (announce, drain, close). */
  private void stop(NodeProcess p) {
    p.stop();
    assertThat(p.alive()).as("%s exited", p.id()).isFalse();
  }

  private double originServed(NodeProcess origin) throws IOException, InterruptedException {
    return metric(origin, "imgcdn_responses_total");
  }

  private double metric(NodeProcess node, String name) throws IOException, InterruptedException {
    String text =
        http.send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + node.adminPort() + "/metrics"))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    return FaultCluster.metric(text, name);
  }

  private Map<String, String> originSettings(int[] ports) {
    Map<String, String> s = new HashMap<>();
    s.put("node.id", "origin-1");
    s.put("server.port", String.valueOf(ports[0]));
    s.put("admin.port", String.valueOf(ports[1]));
    s.put("origin.s3.endpoint", s3Proxy.endpoint().toString());
    s.put("origin.s3.region", s3.region());
    s.put("origin.s3.bucket", BUCKET);
    s.put("origin.s3.access-key", ACCESS_KEY);
    s.put("origin.s3.secret-key", SECRET_KEY);
    return s;
  }

  private Map<String, String> shardSettings(int i, int[] ports, Path clusterFile) {
    Map<String, String> s = new HashMap<>();
    s.put("node.id", shardId(i));
    s.put("server.port", String.valueOf(ports[0]));
    s.put("admin.port", String.valueOf(ports[1]));
    s.put("admin.token", ADMIN_TOKEN);
    s.put("shard.store.dir", dir.resolve(shardId(i)).toString());
    s.put("shard.store.max-bytes", String.valueOf(64L << 20));
    s.put("cluster.file", clusterFile.toString());
    return s;
  }

  private Map<String, String> edgeSettings(int[] ports, Path clusterFile) {
    Map<String, String> s = new HashMap<>();
    s.put("node.id", "edge-1");
    s.put("server.port", String.valueOf(ports[0]));
    s.put("admin.port", String.valueOf(ports[1]));
    s.put("admin.token", ADMIN_TOKEN);
    s.put("edge.cache.max-bytes", String.valueOf(256 << 10));
    // A shard JVM takes 3-8 s to start on this shared 2-core machine (the figure printed); the
    // default of 10s is for a machine of its own.
    s.put("edge.health.restart-wait", "30s");
    s.put("cluster.file", clusterFile.toString());
    return s;
  }

  private static String shardId(int i) {
    return "shard-" + (i + 1);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
