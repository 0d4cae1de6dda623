package io.imgcdn.common.fuzz;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.DictionaryEntries;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.imgcdn.common.cluster.ClusterFile;
import io.imgcdn.common.cluster.Membership;
import io.imgcdn.common.config.ConfigException;
import io.imgcdn.hashring.Node;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** Fuzz target for the cluster file parser: edges and shards re-read it on every reload. */
class ClusterFileFuzzTest {
  /*
   * A bad cluster file must never take a node down with an unexpected exception during a hot reload: the
   * parser reports ConfigException (every problem with its line number) or returns a membership that
   * format() writes back to the same membership.
   */

  @FuzzTest(maxDuration = "5m")
  @DictionaryEntries({
    "shard ",
    "origin ",
    "127.0.0.1:",
    ":65535",
    " 1000",
    "#",
    "\\x0d\\x0a",
    "[::1]:8080"
  })
  void parse_anyText_onlyConfigExceptionAndFormatRoundTrips(byte[] data) {
    String text = new String(data, UTF_8);
    Membership m;
    try {
      m = ClusterFile.parse(text, "fuzz");
    } catch (ConfigException e) {
      assertThat(e.problems()).isNotEmpty().allMatch(p -> p.startsWith("fuzz:"));
      return;
    }
    List<Node> all = Stream.concat(m.shards().stream(), m.origins().stream()).toList();
    Set<String> ids = new HashSet<>();
    Set<String> addresses = new HashSet<>();
    for (Node n : all) {
      assertThat(ids.add(n.id())).as("duplicate id %s", n.id()).isTrue();
      assertThat(addresses.add(n.address())).as("duplicate address %s", n.address()).isTrue();
      assertThat(n.weight()).isBetween(1, 1000);
    }
    assertThat(ClusterFile.parse(ClusterFile.format(m), "formatted")).isEqualTo(m);
  }
}
