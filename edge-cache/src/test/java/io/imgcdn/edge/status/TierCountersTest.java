package io.imgcdn.edge.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.edge.status.TierCounters.Tier;
import io.imgcdn.edge.status.TierCounters.Verdict;
import io.imgcdn.hashring.Node;
import java.util.List;
import org.junit.jupiter.api.Test;

class TierCountersTest {
  private final TierCounters counters =
      new TierCounters(
          "edge-1",
          () -> List.of(Node.of("shard-1", "127.0.0.1:1"), Node.of("shard-2", "127.0.0.1:2")));

  @Test
  void record_chains_countedPerTierAndVerdictOncePerUpstreamResponse() {
    counters.record("edge-1;hit", 100);
    counters.record("edge-1;miss, shard-1;hit", 40);
    counters.record(
        "edge-1;coalesced, shard-1;hit", 40); // same upstream response: shard not counted again
    counters.record("edge-1;miss, shard-2;miss, origin-1;hit", 30);
    counters.record(
        "edge-1;miss, shard-2;miss, shard-1;hit, origin-1;miss", 20); // hand-off: nearest shard
    counters.record("edge-1;miss,shard-2;stale", 5);
    counters.record(null, 3);

    assertThat(counters.objects(Tier.EDGE, Verdict.HIT)).isEqualTo(1);
    assertThat(counters.bytes(Tier.EDGE, Verdict.HIT)).isEqualTo(100);
    assertThat(counters.objects(Tier.EDGE, Verdict.MISS)).isEqualTo(4);
    assertThat(counters.objects(Tier.EDGE, Verdict.COALESCED)).isEqualTo(1);
    assertThat(counters.objects(Tier.EDGE, Verdict.OTHER)).isEqualTo(1);
    assertThat(counters.objects(Tier.SHARD, Verdict.HIT)).isEqualTo(1);
    assertThat(counters.bytes(Tier.SHARD, Verdict.HIT)).isEqualTo(40);
    assertThat(counters.objects(Tier.SHARD, Verdict.MISS)).isEqualTo(2);
    assertThat(counters.objects(Tier.SHARD, Verdict.STALE)).isEqualTo(1);
    assertThat(counters.objects(Tier.ORIGIN, Verdict.HIT)).isEqualTo(1);
    assertThat(counters.objects(Tier.ORIGIN, Verdict.MISS)).isEqualTo(1);
    assertThat(counters.bytes(Tier.ORIGIN, Verdict.MISS)).isEqualTo(20);
  }

  @Test
  void record_unknownVerdict_countedAsOther() {
    counters.record("edge-1;miss, shard-1;weird", 1);
    assertThat(counters.objects(Tier.SHARD, Verdict.OTHER)).isEqualTo(1);
  }
}
