package io.imgcdn.edge.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.cluster.ClusterView;
import io.imgcdn.common.cluster.NodeHealth;
import io.imgcdn.hashring.Node;
import io.imgcdn.hashring.Placement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardRouterTest {
  @TempDir Path dir;

  ClusterView cluster() throws Exception {
    Path file = dir.resolve("cluster.conf");
    Files.writeString(
        file, "shard s1 127.0.0.1:9001\nshard s2 127.0.0.1:9002\nshard s3 127.0.0.1:9003\n");
    return new ClusterView(file, Placement.KETAMA);
  }

  @Test
  void candidates_idle_ringOrderOwnerFirst() throws Exception {
    try (ClusterView cluster = cluster()) {
      ShardRouter router = new ShardRouter(cluster, new NodeHealth(3, 60_000), 2, 0.25, 4);
      assertThat(router.route("/a.jpg").candidates())
          .isEqualTo(cluster.rings().shards().candidates("/a.jpg", 3));
      assertThat(router.attempts()).isEqualTo(2);
    }
  }

  @Test
  void isUp_ejectedNode_downUntilASuccess() throws Exception {
    try (ClusterView cluster = cluster()) {
      NodeHealth health = new NodeHealth(1, 60_000);
      ShardRouter router = new ShardRouter(cluster, health, 3, 0, 0);
      Node owner = cluster.rings().shards().owner("/a.jpg");
      health.failure(owner.id());
      assertThat(router.isUp(owner)).isFalse();
      assertThat(router.route("/a.jpg").candidates().get(0))
          .as("order ignores health")
          .isEqualTo(owner);
      health.success(owner.id());
      assertThat(router.isUp(owner)).isTrue();
    }
  }

  @Test
  void candidates_ownerOverloaded_boundedLoadsSpillToTheNextCandidate() throws Exception {
    try (ClusterView cluster = cluster()) {
      ShardRouter router = new ShardRouter(cluster, new NodeHealth(3, 60_000), 2, 0.25, 4);
      ShardRouter unbounded = new ShardRouter(cluster, new NodeHealth(3, 60_000), 2, 0, 0);
      List<Node> ring = cluster.rings().shards().candidates("/hot.jpg", 3);
      Node owner = ring.get(0);
      for (int i = 0; i < 3; i++) {
        router.started(owner);
      }
      assertThat(router.route("/hot.jpg").candidates().get(0))
          .as("below the floor of 4: no spill")
          .isEqualTo(owner);
      for (int i = 0; i < 3; i++) {
        router.finished(owner);
      }
      for (int i = 0; i < 10; i++) {
        router.started(owner);
        unbounded.started(owner);
      }
      assertThat(router.inFlight(owner)).isEqualTo(10);
      ShardRouter.Route route = router.route("/hot.jpg");
      assertThat(route.spilled()).as("a stand-in first: its request says so").isTrue();
      List<Node> spilled = route.candidates();
      assertThat(spilled.get(0)).isNotEqualTo(owner);
      assertThat(spilled.get(1)).as("the owner right after its stand-in").isEqualTo(owner);
      assertThat(spilled).hasSize(3).doesNotHaveDuplicates();
      assertThat(unbounded.route("/hot.jpg").candidates().get(0))
          .as("balance factor 0: owner always")
          .isEqualTo(owner);
      for (int i = 0; i < 10; i++) {
        router.finished(owner);
      }
      assertThat(router.route("/hot.jpg").candidates().get(0)).isEqualTo(owner);
      assertThat(router.route("/hot.jpg").spilled()).isFalse();
    }
  }
}
