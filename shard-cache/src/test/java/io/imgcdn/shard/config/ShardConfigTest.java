package io.imgcdn.shard.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.imgcdn.common.config.ConfigException;
import io.imgcdn.common.config.Settings;
import io.imgcdn.shard.store.ReadMode;
import io.imgcdn.shard.store.StoreConfig;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ShardConfigTest {

  private static Settings settings(Map<String, String> extra) {
    Map<String, String> values = new HashMap<>(Map.of("cluster.file", "c.conf"));
    values.putAll(extra);
    return Settings.of(values);
  }

  private static ShardConfig parse(Map<String, String> extra) {
    Settings settings = settings(extra);
    ShardConfig config = ShardConfig.from(settings);
    settings.finish();
    return config;
  }

  private static ConfigException problems(Map<String, String> extra) {
    Settings settings = settings(extra);
    ShardConfig.from(settings);
    return (ConfigException) catchThrowable(settings::finish);
  }

  @Test
  void from_noReadSettings_autoReadsBlockCacheAndRam() {
    StoreConfig store = parse(Map.of()).store();

    assertThat(store.readMode()).isEqualTo(ReadMode.AUTO);
    assertThat(store.blockCacheBytes()).isEqualTo(StoreConfig.DEFAULT_BLOCK_CACHE);
    assertThat(store.ramBytes()).isEqualTo(StoreConfig.RAM_AUTO);
  }

  @Test
  void from_eachReadsValue_thatMode() {
    Map<String, ReadMode> expected =
        Map.of(
            "auto",
            ReadMode.AUTO,
            "pread",
            ReadMode.PREAD,
            "mmap",
            ReadMode.MMAP,
            "direct",
            ReadMode.DIRECT,
            " direct ",
            ReadMode.DIRECT);
    expected.forEach(
        (raw, mode) ->
            assertThat(parse(Map.of("shard.store.reads", raw)).store().readMode())
                .as(raw)
                .isEqualTo(mode));
  }

  @Test
  void from_unknownReadsValue_reportedWithTheChoices() {
    ConfigException e = problems(Map.of("shard.store.reads", "o_direct"));

    assertThat(e).isNotNull();
    assertThat(e.problems())
        .hasSize(1)
        .first()
        .asString()
        .startsWith("shard.store.reads")
        .contains("'o_direct'", "auto, pread, mmap or direct");
  }

  @Test
  void from_ramSize_carriedToTheStore() {
    assertThat(parse(Map.of("shard.store.ram", "64g")).store().ramBytes()).isEqualTo(64L << 30);
    assertThat(parse(Map.of("shard.store.ram", "auto")).store().ramBytes())
        .isEqualTo(StoreConfig.RAM_AUTO);
  }

  @Test
  void from_diskReserve_autoByDefaultOrASizeCarriedToTheStore() {
    assertThat(parse(Map.of()).store().diskReserveBytes()).isEqualTo(StoreConfig.DISK_RESERVE_AUTO);
    assertThat(parse(Map.of("shard.store.disk-reserve", "64m")).store().diskReserveBytes())
        .isEqualTo(64L << 20);
    assertThat(parse(Map.of("shard.store.disk-reserve", "0")).store().diskReserveBytes()).isZero();
  }

  @Test
  void from_badDiskReserve_reported() {
    ConfigException e = problems(Map.of("shard.store.disk-reserve", "plenty"));

    assertThat(e).isNotNull();
    assertThat(e.problems())
        .hasSize(1)
        .first()
        .asString()
        .startsWith("shard.store.disk-reserve")
        .contains("'plenty'");
  }

  @Test
  void from_badRam_reported() {
    for (String raw : new String[] {"0", "lots"}) {
      ConfigException e = problems(Map.of("shard.store.ram", raw));

      assertThat(e).as(raw).isNotNull();
      assertThat(e.problems())
          .hasSize(1)
          .first()
          .asString()
          .startsWith("shard.store.ram")
          .contains("'" + raw + "'");
    }
  }

  @Test
  void from_explicitBlockCacheAndDirect_keptForTheStore() {
    StoreConfig store =
        parse(Map.of("shard.store.reads", "direct", "shard.store.block-cache", "256m")).store();

    assertThat(store.readMode()).isEqualTo(ReadMode.DIRECT);
    assertThat(store.blockCacheBytes()).isEqualTo(256L << 20);
  }
}
