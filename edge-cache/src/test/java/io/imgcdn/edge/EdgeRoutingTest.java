package io.imgcdn.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.cluster.ClusterSettings;
import io.imgcdn.hashring.HashRings;
import io.imgcdn.hashring.Node;
import io.imgcdn.hashring.Placement;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Misses across two shards: fail-over on connect failure and 5xx, the total deadline, active health
 * checks.
 */
class EdgeRoutingTest {
  @TempDir Path dir;

  static FakeShard ownerOf(String path, FakeShard a, FakeShard b) {
    Node owner =
        HashRings.create(
                Placement.parse(ClusterSettings.DEFAULT_PLACEMENT),
                List.of(new Node(a.id, a.address(), 1), new Node(b.id, b.address(), 1)))
            .owner(path);
    return owner.id().equals(a.id) ? a : b;
  }

  @Test
  void ownerDownOr5xx_missServedByTheNextCandidate() throws Exception {
    try (FakeShard a = new FakeShard("shard-1");
        FakeShard b = new FakeShard("shard-2")) {
      for (FakeShard s : List.of(a, b)) {
        s.objects.put("/x.jpg", EdgeServerTest.bytes(5000, 1));
        s.objects.put("/y.jpg", EdgeServerTest.bytes(5000, 2));
      }
      try (EdgeServer edge = Edges.start(dir, List.of(a, b), Map.of())) {
        FakeShard owner = ownerOf("/x.jpg", a, b);
        FakeShard other = owner == a ? b : a;
        owner.failWith = 503;
        try (RawHttp c = new RawHttp(edge.port())) {
          RawHttp.Response r = c.send(RawHttp.get("/x.jpg")).read();
          assertThat(r.status()).isEqualTo(200);
          assertThat(r.header("x-cache")).isEqualTo("edge-1;miss, " + other.id + ";hit");
        }
        assertThat(owner.requests("/x.jpg")).isEqualTo(1);
        assertThat(edge.tier().stats().retries()).isEqualTo(1);

        owner.failWith = 0;
        FakeShard yOwner = ownerOf("/y.jpg", a, b);
        yOwner.close(); // connection refused from now on
        try (RawHttp c = new RawHttp(edge.port())) {
          RawHttp.Response r = c.send(RawHttp.get("/y.jpg")).read();
          assertThat(r.status()).isEqualTo(200);
          assertThat(r.header("x-cache")).endsWith((yOwner == a ? b : a).id + ";hit");
        }
      }
    }
  }

  @Test
  void everyCandidateFails_lastAnswerPassedOnOr502() throws Exception {
    try (FakeShard a = new FakeShard("shard-1");
        FakeShard b = new FakeShard("shard-2")) {
      a.failWith = 500;
      b.failWith = 500;
      try (EdgeServer edge = Edges.start(dir, List.of(a, b), Map.of());
          RawHttp c = new RawHttp(edge.port())) {
        RawHttp.Response r = c.send(RawHttp.get("/z.jpg")).read();
        assertThat(r.status()).isEqualTo(500);
        assertThat(new String(r.body(), StandardCharsets.UTF_8)).contains("failing on purpose");
        a.close();
        b.close();
        RawHttp.Response down = c.send(RawHttp.get("/z.jpg")).read();
        assertThat(down.status()).isEqualTo(502);
        assertThat(down.header("x-cache")).isEqualTo("edge-1;miss");
        assertThat(new String(down.body(), StandardCharsets.UTF_8))
            .isEqualTo("edge-1: shard tier unavailable\n");
      }
    }
  }

  @Test
  void shardsNeverAnswer_totalDeadline_504InTime() throws Exception {
    try (FakeShard a = new FakeShard("shard-1");
        FakeShard b = new FakeShard("shard-2")) {
      CompletableFuture<Void> never = new CompletableFuture<>();
      a.gate = never;
      b.gate = never;
      try (EdgeServer edge =
              Edges.start(dir, List.of(a, b), Map.of("edge.upstream.deadline", "400ms"));
          RawHttp c = new RawHttp(edge.port())) {
        long start = System.nanoTime();
        RawHttp.Response r = c.send(RawHttp.get("/slow.jpg")).read();
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.status()).isEqualTo(504);
        assertThat(millis).isBetween(350L, 3_000L);
        assertThat(new String(r.body(), StandardCharsets.UTF_8))
            .isEqualTo("edge-1: shard tier unavailable (timeout)\n");
        assertThat(r.header("x-cache")).isEqualTo("edge-1;miss");
        for (FakeShard s : List.of(a, b)) {
          assertThat(s.deadlines)
              .as("each shard is told how long it is waited for, within the 400 ms deadline")
              .allSatisfy(d -> assertThat(Long.parseLong(d)).isBetween(1L, 400L));
        }
        assertThat(a.deadlines.size() + b.deadlines.size()).isPositive();
      } finally {
        never.complete(null);
      }
    }
  }

  @Test
  void activeHealthCheck_downShardSkippedThenReadmittedWhenBack() throws Exception {
    FakeShard a = new FakeShard("shard-1");
    FakeShard b = new FakeShard("shard-2");
    try (EdgeServer edge = Edges.start(dir, List.of(a, b), Map.of("edge.health.interval", "1h"))) {
      String key = "/h.jpg";
      FakeShard owner = ownerOf(key, a, b);
      FakeShard other = owner == a ? b : a;
      other.objects.put(key, EdgeServerTest.bytes(100, 3));
      int port = owner.port();
      owner.close();
      edge.prober().probeAll();
      EdgeStreamingTest.await(
          "owner found down by a probe",
          () -> Boolean.FALSE.equals(edge.prober().lastResult(owner.id)));
      long attempts = edge.tier().stats().attempts();
      try (RawHttp c = new RawHttp(edge.port())) {
        assertThat(c.send(RawHttp.get(key)).read().header("x-cache")).endsWith(other.id + ";hit");
      }
      assertThat(edge.tier().stats().attempts() - attempts)
          .as("the down owner is not even tried")
          .isEqualTo(1);
      try (FakeShard back = new FakeShard(owner.id, port)) {
        back.objects.put(key, EdgeServerTest.bytes(100, 3));
        edge.prober().probeAll();
        EdgeStreamingTest.await(
            "owner re-admitted by a probe",
            () -> Boolean.TRUE.equals(edge.prober().lastResult(owner.id)));
        edge.cache().invalidate(key);
        try (RawHttp c = new RawHttp(edge.port())) {
          assertThat(c.send(RawHttp.get(key)).read().header("x-cache")).endsWith(owner.id + ";hit");
        }
      }
    } finally {
      a.close();
      b.close();
    }
  }

  @Test
  void relayed5xx_shardWorkedOriginFailed_passedOnWithoutAskingAnotherShard() throws Exception {
    try (FakeShard a = new FakeShard("shard-1");
        FakeShard b = new FakeShard("shard-2")) {
      FakeShard owner = ownerOf("/r.jpg", a, b);
      owner.failWith = 502;
      owner.failChain = owner.id + ";miss, origin-1;error";
      try (EdgeServer edge = Edges.start(dir, List.of(a, b), Map.of());
          RawHttp c = new RawHttp(edge.port())) {
        RawHttp.Response r = c.send(RawHttp.get("/r.jpg")).read();
        assertThat(r.status()).isEqualTo(502);
        assertThat(r.header("x-cache"))
            .isEqualTo("edge-1;miss, " + owner.id + ";miss, origin-1;error");
        assertThat(edge.tier().stats().retries()).isZero();
        assertThat((owner == a ? b : a).totalRequests()).isZero();
      }
    }
  }

  @Test
  void silentOwner_attemptBoundedByTheResponseTimeout_nextShardAnswersInTime() throws Exception {
    try (FakeShard a = new FakeShard("shard-1");
        FakeShard b = new FakeShard("shard-2")) {
      FakeShard owner = ownerOf("/s.jpg", a, b);
      FakeShard other = owner == a ? b : a;
      CompletableFuture<Void> never = new CompletableFuture<>();
      owner.gate = never;
      other.objects.put("/s.jpg", EdgeServerTest.bytes(100, 4));
      try (EdgeServer edge =
              Edges.start(
                  dir,
                  List.of(a, b),
                  Map.of(
                      "edge.upstream.deadline", "8s", "edge.upstream.response-timeout", "300ms"));
          RawHttp c = new RawHttp(edge.port())) {
        long start = System.nanoTime();
        RawHttp.Response r = c.send(RawHttp.get("/s.jpg")).read();
        long millis = (System.nanoTime() - start) / 1_000_000;
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("x-cache")).endsWith(other.id + ";hit");
        assertThat(millis).isBetween(250L, 4_000L);
      } finally {
        never.complete(null);
      }
    }
  }
}
