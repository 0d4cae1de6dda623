package io.imgcdn.edge.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.admin.AdminResponse;
import io.imgcdn.common.http.AcceptClass;
import io.imgcdn.common.http.NegativeCache;
import java.util.List;
import org.junit.jupiter.api.Test;

class EdgePurgeTest {
  private static final NegativeCache NO_NEGATIVES = new NegativeCache(NegativeCache.Options.OFF);

  private static final List<String> KEYS =
      List.of(
          "/a.jpg",
          "/v/w150/a.jpg",
          AcceptClass.WEBP.key("/v/w150/a.jpg"),
          AcceptClass.AVIF_WEBP.key("/v/w150/a.jpg"),
          "/t/sig12345/w=10/a.jpg",
          "/v/w150/b.jpg",
          "/v/w150/x/a.jpg");

  private static EdgeCache filled() {
    EdgeCache cache = new EdgeCache(1 << 20, 1 << 20);
    for (int i = 0; i < KEYS.size(); i++) {
      EdgeCacheTest.admit(cache, KEYS.get(i), i, 10);
    }
    cache.cleanUp();
    return cache;
  }

  private static List<String> present(EdgeCache cache) {
    return KEYS.stream()
        .filter(
            k -> {
              CachedObject o = cache.acquire(k);
              if (o != null) {
                o.release();
              }
              return o != null;
            })
        .toList();
  }

  @Test
  void purge_path_removesItAndEveryAcceptRepresentation() {
    try (EdgeCache cache = filled()) {
      AdminResponse r = EdgePurge.purge(cache, NO_NEGATIVES, List.of("/v/w150/a.jpg"), List.of());
      assertThat(r.status()).isEqualTo(200);
      assertThat(present(cache))
          .containsExactly("/a.jpg", "/t/sig12345/w=10/a.jpg", "/v/w150/b.jpg", "/v/w150/x/a.jpg");
    }
  }

  @Test
  void purge_original_removesEveryUrlOfThatObjectOnly() {
    try (EdgeCache cache = filled()) {
      AdminResponse r = EdgePurge.purge(cache, NO_NEGATIVES, List.of(), List.of("a.jpg"));
      assertThat(r.body()).contains("5 objects of 1 originals");
      assertThat(present(cache)).containsExactly("/v/w150/b.jpg", "/v/w150/x/a.jpg");
    }
  }

  @Test
  void purge_nothingOrBadPath_400() {
    try (EdgeCache cache = filled()) {
      assertThat(EdgePurge.purge(cache, NO_NEGATIVES, List.of(), List.of()).status())
          .isEqualTo(400);
      assertThat(EdgePurge.purge(cache, NO_NEGATIVES, List.of("/../x"), List.of()).status())
          .isEqualTo(400);
      assertThat(present(cache)).hasSameSizeAs(KEYS);
    }
  }

  @Test
  void objectKey_variantsAndOriginals() {
    assertThat(EdgePurge.objectKey("/a/b.jpg")).isEqualTo("a/b.jpg");
    assertThat(EdgePurge.objectKey("/v/w150/a/b.jpg")).isEqualTo("a/b.jpg");
    assertThat(EdgePurge.objectKey(AcceptClass.AVIF.key("/t/s/o/a/b.jpg"))).isEqualTo("a/b.jpg");
    assertThat(EdgePurge.objectKey("/v/w150")).isEmpty();
  }
}
