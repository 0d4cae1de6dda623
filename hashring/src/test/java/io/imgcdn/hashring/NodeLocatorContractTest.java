package io.imgcdn.hashring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What every placement promises through {@link NodeLocator}. */
class NodeLocatorContractTest {

  static List<Node> nodes(int n) {
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      nodes.add(
          new Node("shard-" + i, "10.0." + i / 250 + "." + (i % 250 + 1) + ":8080", 1 + i % 3));
    }
    return nodes;
  }

  static String key(int i) {
    return "/v/w600/img/2024/01/02/03/04/05/" + (100_000_000 + i) + "_p0.jpg";
  }

  @ParameterizedTest
  @EnumSource(Placement.class)
  void owner_emptyRing_throwsRingHasNoNodes(Placement placement) {
    NodeLocator ring = HashRings.create(placement, List.of());
    assertThatThrownBy(() -> ring.owner("k"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("ring has no nodes");
    assertThatThrownBy(() -> ring.owner(new byte[] {1}))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("ring has no nodes");
    assertThat(ring.candidates("k", 3)).isEmpty();
    assertThat(ring.owner("k", n -> true)).isEmpty();
    assertThat(ring.nodes()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Placement.class)
  void owner_singleNode_alwaysThatNode(Placement placement) {
    Node only = Node.of("only", "h:1");
    NodeLocator ring = HashRings.create(placement, List.of(only));
    for (int i = 0; i < 1000; i++) {
      assertThat(ring.owner(key(i))).isSameAs(only);
    }
    assertThat(ring.candidates("k", 5)).containsExactly(only);
  }

  @ParameterizedTest
  @EnumSource(Placement.class)
  void nodes_anyInputOrder_sortedById(Placement placement) {
    List<Node> shuffled = new ArrayList<>(nodes(12));
    Collections.shuffle(shuffled, new Random(1));
    List<Node> ids = HashRings.create(placement, shuffled).nodes();
    assertThat(ids).extracting(Node::id).isSorted().hasSize(12);
  }

  @ParameterizedTest
  @EnumSource(Placement.class)
  void owner_stringKey_equalsOwnerOfItsUtf8Bytes(Placement placement) {
    NodeLocator ring = HashRings.create(placement, nodes(10));
    for (String key : List.of("", "a", "/v/w150/ü/日本.jpg", key(7))) {
      assertThat(ring.owner(key)).isSameAs(ring.owner(key.getBytes(StandardCharsets.UTF_8)));
    }
  }

  @ParameterizedTest
  @EnumSource(Placement.class)
  void candidates_anyKey_distinctOwnerFirstAndCappedAtRingSize(Placement placement) {
    NodeLocator ring = HashRings.create(placement, nodes(7));
    for (int i = 0; i < 2000; i++) {
      String key = key(i);
      List<Node> three = ring.candidates(key, 3);
      assertThat(three).hasSize(3).doesNotHaveDuplicates();
      assertThat(three.getFirst()).isSameAs(ring.owner(key));
      List<Node> all = ring.candidates(key, 100);
      assertThat(all).hasSize(7).doesNotHaveDuplicates().startsWith(three.toArray(Node[]::new));
    }
    assertThat(ring.candidates("k", 0)).isEmpty();
    assertThatThrownBy(() -> ring.candidates("k", -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("n: -1 (expected: >= 0)");
  }

  @ParameterizedTest
  @EnumSource(Placement.class)
  void ownerIsUp_someNodesDown_firstUpCandidate(Placement placement) {
    NodeLocator ring = HashRings.create(placement, nodes(9));
    Set<String> down = Set.of("shard-1", "shard-4", "shard-5");
    for (int i = 0; i < 3000; i++) {
      String key = key(i);
      Node expected =
          ring.candidates(key, 9).stream()
              .filter(n -> !down.contains(n.id()))
              .findFirst()
              .orElseThrow();
      assertThat(ring.owner(key, n -> !down.contains(n.id()))).containsSame(expected);
    }
    assertThat(ring.owner("k", n -> false)).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Placement.class)
  void create_duplicateId_failsNamingTheId(Placement placement) {
    List<Node> nodes = List.of(Node.of("a", "h:1"), Node.of("b", "h:2"), Node.of("a", "h:3"));
    assertThatThrownBy(() -> HashRings.create(placement, nodes))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("duplicate id \"a\"");
  }

  @ParameterizedTest
  @EnumSource(Placement.class)
  void placement_anySnapshot_isTheOneItWasBuiltWith(Placement placement) {
    assertThat(HashRings.create(placement, nodes(3)).placement()).isSameAs(placement);
  }

  @Test
  void ketama_sameAsCreateKetama() {
    NodeLocator a = HashRings.ketama(nodes(20));
    NodeLocator b = HashRings.create(Placement.KETAMA, nodes(20));
    Set<Node> owners = new HashSet<>();
    for (int i = 0; i < 5000; i++) {
      assertThat(a.owner(key(i))).isEqualTo(b.owner(key(i)));
      owners.add(a.owner(key(i)));
    }
    assertThat(owners).hasSize(20);
  }

  /**
   * Pins each placement itself: every node, JVM and release must pick the same owners, so a change
   * here moves keys in production and must be deliberate.
   */
  @ParameterizedTest
  @EnumSource(Placement.class)
  void owner_goldenOwners_unchangedAcrossReleases(Placement placement) {
    NodeLocator ring =
        HashRings.create(
            placement,
            List.of(
                Node.of("shard-a", "10.0.0.1:8080"),
                Node.of("shard-b", "10.0.0.2:8080"),
                new Node("shard-c", "10.0.0.3:8080", 2)));
    StringBuilder owners = new StringBuilder();
    for (int i = 0; i < 32; i++) {
      owners.append(ring.owner(key(i)).id().charAt(6));
    }
    assertThat(owners.toString())
        .isEqualTo(
            switch (placement) {
              case KETAMA -> "bcaaaabcbbbccccbcacbcaccccccccba";
              case NGINX -> "ccccbacbbabacbaacaacabcacccbbacb";
              case MAGLEV -> "bbaacbacacccbccacaccabbacabcbcac";
              case RENDEZVOUS -> "abacbccaccbcbbcaccaabbcacbbbcbab";
            });
  }
}
