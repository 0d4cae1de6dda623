package io.imgcdn.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class XCacheTest {

  @Test
  void parse_twoTiers_nearestFirst() {
    assertThat(XCache.parse("edge-1;hit, shard-2;miss"))
        .containsExactly(
            new XCache.Entry("edge-1", "edge", "hit"),
            new XCache.Entry("shard-2", "shard", "miss"));
  }

  @Test
  void parse_spacesCaseAndDashedTierNames_normalised() {
    assertThat(XCache.parse("  nginx-front-12 ; HIT ,ats-3;Stale,  edge;coalesced"))
        .containsExactly(
            new XCache.Entry("nginx-front-12", "nginx-front", "hit"),
            new XCache.Entry("ats-3", "ats", "stale"),
            new XCache.Entry("edge", "edge", "coalesced"));
  }

  @Test
  void parse_missingVerdict_unknown() {
    assertThat(XCache.parse("edge-1, shard-2;"))
        .containsExactly(
            new XCache.Entry("edge-1", "edge", XCache.UNKNOWN),
            new XCache.Entry("shard-2", "shard", XCache.UNKNOWN));
  }

  @Test
  void parse_nullOrBlank_empty() {
    assertThat(XCache.parse(null)).isEmpty();
    assertThat(XCache.parse(" , ")).isEmpty();
  }

  @Test
  void tierOf_onlyTrailingNumberRemoved() {
    assertThat(XCache.tierOf("edge-1")).isEqualTo("edge");
    assertThat(XCache.tierOf("shard-a-20")).isEqualTo("shard-a");
    assertThat(XCache.tierOf("edge2")).isEqualTo("edge2");
    assertThat(XCache.tierOf("-7")).isEqualTo("-7");
  }
}
