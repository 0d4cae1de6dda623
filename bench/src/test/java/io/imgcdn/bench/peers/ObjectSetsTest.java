package io.imgcdn.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.bench.workload.Trace;
import io.imgcdn.bench.workload.WorkloadSpec;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ObjectSetsTest {

  @Test
  void put_fixedSpec_everyObjectOfTheSizeAndDeterministic() throws Exception {
    Map<String, byte[]> a = new HashMap<>();
    Map<String, byte[]> b = new HashMap<>();

    long bytes = ObjectSets.put(ObjectSets.fixed(5, 1000, 9), (k, body, t) -> a.put(k, body), 1);
    ObjectSets.put(ObjectSets.fixed(5, 1000, 9), (k, body, t) -> b.put(k, body), 1);

    assertThat(bytes).isEqualTo(5000);
    assertThat(a)
        .containsOnlyKeys(
            "fixed/000000.jpg",
            "fixed/000001.jpg",
            "fixed/000002.jpg",
            "fixed/000003.jpg",
            "fixed/000004.jpg");
    a.forEach((k, v) -> assertThat(v).hasSize(1000).isEqualTo(b.get(k)));
    assertThat(a.get("fixed/000000.jpg")).isNotEqualTo(a.get("fixed/000001.jpg"));
  }

  @Test
  void put_workloadSpec_theWorkloadsOriginals() throws Exception {
    Map<String, byte[]> put = new HashMap<>();

    long bytes =
        ObjectSets.put(
            ObjectSets.workload(WorkloadSpec.defaults(4).withOriginals(3)),
            (k, body, t) -> put.put(k, body),
            1);

    assertThat(put).containsOnlyKeys("img/000000.jpg", "img/000001.jpg", "img/000002.jpg");
    assertThat(bytes).isEqualTo(put.values().stream().mapToLong(v -> v.length).sum());
  }

  @Test
  void put_unknownSpec_failsWithTheExpectedForms() {
    assertThatThrownBy(() -> ObjectSets.put("fixed:1:2", (k, body, t) -> {}, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fixed:<count>:<bytes>:<seed>");
  }

  @Test
  void uniformTrace_coversTheObjectsWithTheirSize() {
    Trace t = ObjectSets.uniformTrace(10, 2048, 5_000, 1);

    Set<String> paths = new HashSet<>();
    for (int i = 0; i < t.length(); i++) {
      paths.add(t.path(t.objectAt(i)));
      assertThat(t.size(t.objectAt(i))).isEqualTo(2048);
    }
    assertThat(t.length()).isEqualTo(5_000);
    assertThat(paths).hasSize(10).allMatch(p -> p.matches("/fixed/0000[0-9]{2}\\.jpg"));
  }

  @Test
  void eachOnce_everyObjectOnceInOrder() {
    Trace t = ObjectSets.eachOnce(3, 10);

    assertThat(t.length()).isEqualTo(3);
    assertThat(t.path(t.objectAt(2))).isEqualTo("/fixed/000002.jpg");
  }
}
