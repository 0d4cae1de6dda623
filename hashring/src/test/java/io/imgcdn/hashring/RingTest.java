package io.imgcdn.hashring;

import static io.imgcdn.hashring.NodeLocatorContractTest.key;
import static io.imgcdn.hashring.NodeLocatorContractTest.nodes;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RingTest {

  @Test
  void ownerIsUp_nodeDown_sameOwnerAsRingRebuiltWithoutIt() {
    List<Node> members = nodes(10);
    NodeLocator ring = HashRings.ketama(members);
    Node down = members.get(3);
    List<Node> rest = new ArrayList<>(members);
    rest.remove(down);
    NodeLocator rebuilt = HashRings.ketama(rest);
    for (int i = 0; i < 20_000; i++) {
      assertThat(ring.owner(key(i), n -> !n.equals(down))).containsSame(rebuilt.owner(key(i)));
    }
  }

  @Test
  void create_addOneNode_keysMoveOnlyOntoTheNewNode() {
    List<Node> members = nodes(10);
    NodeLocator before = HashRings.ketama(members);
    Node added = Node.of("shard-new", "10.9.9.9:8080");
    List<Node> more = new ArrayList<>(members);
    more.add(added);
    NodeLocator after = HashRings.ketama(more);
    int moved = 0;
    for (int i = 0; i < 20_000; i++) {
      Node was = before.owner(key(i));
      Node is = after.owner(key(i));
      if (!was.equals(is)) {
        assertThat(is).isEqualTo(added);
        moved++;
      }
    }
    assertThat(moved).isPositive();
  }

  @Test
  void footprint_pointsPerWeight_160PerUnit() {
    Ring ring = (Ring) HashRings.ketama(List.of(new Node("a", "h:1", 3), Node.of("b", "h:2")));
    assertThat(ring.footprintBytes()).isGreaterThanOrEqualTo(12L * 160 * 4);
  }
}
