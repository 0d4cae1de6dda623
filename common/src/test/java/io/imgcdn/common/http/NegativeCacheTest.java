package io.imgcdn.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.config.Settings;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class NegativeCacheTest {
  final AtomicLong now = new AtomicLong(1_000_000_000L);

  NegativeCache cache(Duration ttl, long maxBytes) {
    return new NegativeCache(new NegativeCache.Options(ttl, maxBytes), now::get);
  }

  static Reply notFound(String key) {
    return Reply.error(HttpResponseStatus.NOT_FOUND, "no such object: " + key, "origin-1;error");
  }

  @Test
  void aRememberedMissIsAnsweredWithWhatIsLeftOfItsTtl() {
    NegativeCache c = cache(Duration.ofSeconds(60), 1 << 20);
    Reply first = c.remember("/a.jpg", notFound("a.jpg"));
    assertThat(first.object().cacheControl()).isEqualTo("public, max-age=60");
    assertThat(first.xCache()).isEqualTo("origin-1;error");

    now.addAndGet(Duration.ofMillis(20_500).toNanos());
    Reply hit = c.lookup("/a.jpg", "shard-1;hit");
    assertThat(hit).isNotNull();
    assertThat(hit.status().code()).isEqualTo(404);
    assertThat(hit.object().cacheControl()).isEqualTo("public, max-age=39");
    assertThat(new String(hit.object().body(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("no such object: a.jpg\n");
    assertThat(hit.xCache()).isEqualTo("shard-1;hit");

    now.addAndGet(Duration.ofSeconds(40).toNanos());
    assertThat(c.lookup("/a.jpg", "shard-1;hit")).as("expired").isNull();
  }

  @Test
  void anUpstreamMaxAgeShorterThanTheTtlWins() {
    NegativeCache c = cache(Duration.ofSeconds(60), 1 << 20);
    assertThat(c.remember("/a", notFound("a"), Duration.ofSeconds(12)).object().cacheControl())
        .isEqualTo("public, max-age=12");
    assertThat(c.remember("/b", notFound("b"), Duration.ofHours(1)).object().cacheControl())
        .isEqualTo("public, max-age=60");
  }

  @Test
  void onlyNotFoundAndForbiddenAreKept() {
    NegativeCache c = cache(Duration.ofSeconds(60), 1 << 20);
    Reply gone = Reply.error(HttpResponseStatus.BAD_GATEWAY, "S3 answered 500", "");
    assertThat(c.remember("/x", gone)).isSameAs(gone);
    assertThat(c.lookup("/x", "")).isNull();
    Reply denied = Reply.error(HttpResponseStatus.FORBIDDEN, "invalid signature", "");
    assertThat(c.remember("/y", denied).object().cacheControl()).isEqualTo("public, max-age=60");
    assertThat(c.lookup("/y", "").status().code()).isEqualTo(403);
  }

  @Test
  void aFloodOfNamesStaysWithinTheByteBound() {
    long bound = 64 << 10;
    NegativeCache c = cache(Duration.ofSeconds(60), bound);
    for (int i = 0; i < 20_000; i++) {
      c.remember("/flood/" + i, notFound("flood/" + i));
    }
    c.size();
    assertThat(c.weight()).isPositive().isLessThanOrEqualTo(bound);
    assertThat(c.size()).isLessThan(20_000);
  }

  @Test
  void offKeepsNothing() {
    NegativeCache c = new NegativeCache(NegativeCache.Options.OFF);
    assertThat(c.remember("/a", notFound("a")).object().cacheControl()).isEqualTo("no-store");
    assertThat(c.lookup("/a", "")).isNull();
  }

  @Test
  void purgesRemoveEntries() {
    NegativeCache c = cache(Duration.ofSeconds(60), 1 << 20);
    c.remember("/a.jpg", notFound("a.jpg"));
    c.remember("/v/w150/a.jpg", notFound("a.jpg"));
    c.remember("/b.jpg", notFound("b.jpg"));
    assertThat(c.remove("/b.jpg")).isTrue();
    assertThat(c.removeIf(k -> k.endsWith("/a.jpg"))).isEqualTo(2);
    assertThat(c.size()).isZero();
  }

  @Test
  void maxAgeReadsCacheControl() {
    assertThat(NegativeCache.maxAge("public, max-age=60")).isEqualTo(60);
    assertThat(NegativeCache.maxAge("max-age=\"5\"")).isEqualTo(5);
    assertThat(NegativeCache.maxAge("no-store")).isEqualTo(-1);
    assertThat(NegativeCache.maxAge("max-age=60, no-cache")).isEqualTo(-1);
    assertThat(NegativeCache.maxAge("public")).isEqualTo(-1);
    assertThat(NegativeCache.maxAge("max-age=x")).isEqualTo(-1);
    assertThat(NegativeCache.maxAge(null)).isEqualTo(-1);
  }

  @Test
  void settingsNameTheirKeys() {
    Settings s = Settings.of(Map.of("edge.negative-ttl", "off"));
    assertThat(NegativeCache.Options.from(s, "edge.").enabled()).isFalse();
    NegativeCache.Options d = NegativeCache.Options.from(Settings.of(Map.of()), "shard.");
    assertThat(d.ttl()).isEqualTo(Duration.ofSeconds(60));
    assertThat(d.maxBytes()).isEqualTo(16L << 20);
    Settings bad = Settings.of(Map.of("shard.negative-ttl", "2d"));
    NegativeCache.Options.from(bad, "shard.");
    org.assertj.core.api.Assertions.assertThatThrownBy(bad::finish)
        .hasMessageContaining("shard.negative-ttl: 2d (expected: at most 1d");
  }
}
