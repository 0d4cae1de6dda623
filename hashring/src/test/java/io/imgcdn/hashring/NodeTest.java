package io.imgcdn.hashring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NodeTest {

  @Test
  void of_validIdAndAddress_hasWeightOne() {
    assertThat(Node.of("shard-1", "10.0.0.1:8080"))
        .isEqualTo(new Node("shard-1", "10.0.0.1:8080", 1));
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1:1", "shard-1.example:65535", "[::1]:8080", "localhost:80"})
  void new_validAddress_isAccepted(String address) {
    assertThat(new Node("a", address, 3).address()).isEqualTo(address);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "host",
        "host:",
        ":80",
        "host:0",
        "host:65536",
        "host:http",
        "ho st:80",
        "host:-1",
        "host:123456"
      })
  void new_badAddress_failsNamingTheValue(String address) {
    assertThatThrownBy(() -> new Node("a", address, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("address: \"" + address + "\"")
        .hasMessageContaining("expected: host:port");
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, Integer.MIN_VALUE})
  void new_weightBelowOne_failsNamingTheValue(int weight) {
    assertThatThrownBy(() -> new Node("a", "h:1", weight))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("weight: " + weight + " (expected: >= 1) for node a");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\t"})
  void new_blankId_fails(String id) {
    assertThatThrownBy(() -> new Node(id, "h:1", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("expected: non-blank");
  }

  @Test
  @SuppressWarnings("NullAway")
  void new_nullId_failsWithItsName() {
    assertThatThrownBy(() -> new Node(nullString(), "h:1", 1))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("id");
  }

  @SuppressWarnings("DataFlowIssue")
  private static String nullString() {
    return (String) (Object) null;
  }
}
