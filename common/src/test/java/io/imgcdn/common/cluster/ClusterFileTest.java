package io.imgcdn.common.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.common.config.ConfigException;
import io.imgcdn.hashring.Node;
import java.util.List;
import org.junit.jupiter.api.Test;

class ClusterFileTest {

  @Test
  void parse_shardsAndOrigins_withDefaultWeightAndComments() {
    Membership m =
        ClusterFile.parse(
            """
            # the cluster
            shard  shard-1 127.0.0.1:8081 2
            shard  shard-2 127.0.0.1:8082   # weight 1
            origin origin-1 127.0.0.1:8090
            """,
            "cluster.conf");
    assertThat(m.shards())
        .containsExactly(
            new Node("shard-1", "127.0.0.1:8081", 2), new Node("shard-2", "127.0.0.1:8082", 1));
    assertThat(m.origins()).containsExactly(new Node("origin-1", "127.0.0.1:8090", 1));
    assertThat(ClusterFile.parse(ClusterFile.format(m), "again")).isEqualTo(m);
  }

  @Test
  void parse_badLines_everyProblemWithItsLineNumber() {
    assertThatThrownBy(
            () ->
                ClusterFile.parse(
                    """
                    shard a 127.0.0.1:1
                    cache b 127.0.0.1:2
                    shard c 127.0.0.1
                    shard d 127.0.0.1:4 0
                    shard a 127.0.0.1:5
                    shard e 127.0.0.1:1
                    """,
                    "c.conf"))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .containsExactly(
                        "c.conf:2: role 'cache' (expected: shard, origin or edge)",
                        "c.conf:3: address '127.0.0.1' (expected: host:port with port 1-65535)",
                        "c.conf:4: weight '0' (expected: an integer from 1 to 1000)",
                        "c.conf:5: node id 'a' appears twice",
                        "c.conf:6: address '127.0.0.1:1' appears twice"));
  }

  @Test
  void parse_adminAddressesAndEdges_edgesKeptOutOfTheRings() {
    Membership m =
        ClusterFile.parse(
            """
            shard  shard-1  127.0.0.1:8081 2 admin=127.0.0.1:9081
            shard  shard-2  127.0.0.1:8082
            origin origin-1 127.0.0.1:8090   admin=127.0.0.1:9090
            edge   edge-1   127.0.0.1:8080   admin=127.0.0.1:9080  # not routed to
            edge   edge-2   127.0.0.1:8070
            """,
            "cluster.conf");
    assertThat(m.shards())
        .containsExactly(
            new Node("shard-1", "127.0.0.1:8081", 2), new Node("shard-2", "127.0.0.1:8082", 1));
    assertThat(m.origins()).containsExactly(new Node("origin-1", "127.0.0.1:8090", 1));
    assertThat(m.edges()).extracting(Node::id).containsExactly("edge-1", "edge-2");
    assertThat(m.adminAddress("shard-1")).isEqualTo("127.0.0.1:9081");
    assertThat(m.adminAddress("edge-1")).isEqualTo("127.0.0.1:9080");
    assertThat(m.adminAddress("shard-2")).isNull();
    assertThat(ClusterFile.parse(ClusterFile.format(m), "again")).isEqualTo(m);
  }

  @Test
  void parse_badAdminAndEdgeLines_everyProblemWithItsLineNumber() {
    assertThatThrownBy(
            () ->
                ClusterFile.parse(
                    """
                    shard a 127.0.0.1:1 admin=127.0.0.1:11
                    shard b 127.0.0.1:2 admin=127.0.0.1
                    edge  c 127.0.0.1:3 3
                    shard d 127.0.0.1:4 admin=127.0.0.1:1
                    shard e 127.0.0.1:5 admin=127.0.0.1:9 5
                    edge  f 127.0.0.1:6 admin=127.0.0.1:16
                    shard g 127.0.0.1:7 admin=127.0.0.1:16
                    """,
                    "c.conf"))
        .isInstanceOfSatisfying(
            ConfigException.class,
            e ->
                assertThat(e.problems())
                    .containsExactly(
                        "c.conf:2: admin address '127.0.0.1' (expected: admin=host:port with port"
                            + " 1-65535)",
                        "c.conf:3: weight '3' on an edge line (expected: none; edges are not routed"
                            + " to)",
                        "c.conf:4: admin address '127.0.0.1:1' appears twice",
                        "c.conf:5: 'shard e 127.0.0.1:5 admin=127.0.0.1:9 5' (expected: role id"
                            + " host:port [weight] [admin=host:port])",
                        "c.conf:7: admin address '127.0.0.1:16' appears twice"));
  }

  @Test
  void nodeHealth_consecutiveFailures_ejectThenProbe() {
    NodeHealth health = new NodeHealth(2, 60_000);
    health.failure("s1");
    assertThat(health.isUp("s1")).isTrue();
    health.failure("s1");
    assertThat(health.isUp("s1")).isFalse();
    health.success("s1");
    assertThat(health.isUp("s1")).isTrue();
    assertThat(List.of(health.isUp("never-seen"))).containsExactly(true);
  }
}
