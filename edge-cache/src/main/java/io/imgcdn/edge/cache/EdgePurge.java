package io.imgcdn.edge.cache;

import io.imgcdn.common.admin.AdminResponse;
import io.imgcdn.common.http.AcceptClass;
import io.imgcdn.common.http.HttpError;
import io.imgcdn.common.http.NegativeCache;
import io.imgcdn.common.url.ImageUrl;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The edge's admin purge ({@code POST /admin/purge?path=/v/w150/a.jpg} or {@code ?original=a.jpg}):
 * removes a URL with every representation negotiated from Accept, or every cached URL of one
 * original.
 */
public final class EdgePurge {
  /*
   * A path's entries are its plain key K and AcceptClass.key(K) for each class (docs/EDGE.md): five
   * direct invalidations. An original's variants are not named by one key (any preset, any signed option
   * string), so that purge scans the index once and matches each key's object key: O(entries), fine for
   * an admin action on a memory tier of some tens of thousands of objects.
   */
  private EdgePurge() {}

  /** Purges the given paths and originals; 400 when neither is given or one does not parse. */
  public static AdminResponse purge(
      EdgeCache cache, NegativeCache negatives, List<String> paths, List<String> originals) {
    if (paths.isEmpty() && originals.isEmpty()) {
      return AdminResponse.text(
          400, "purge needs ?path=/the/url/path or ?original=object/key (all its URLs)");
    }
    Set<String> objectKeys = new HashSet<>();
    try {
      for (String p : paths) {
        String key = ImageUrl.parse(p).path();
        cache.invalidate(key);
        negatives.remove(key);
        for (AcceptClass c : AcceptClass.values()) {
          cache.invalidate(c.key(key));
        }
      }
      for (String k : originals) {
        objectKeys.add(ImageUrl.parse("/" + k).objectKey());
      }
    } catch (HttpError e) {
      return AdminResponse.text(400, "purge: " + e.getMessage());
    }
    int removed =
        objectKeys.isEmpty()
            ? 0
            : cache.invalidateIf(k -> objectKeys.contains(objectKey(k)))
                + negatives.removeIf(k -> objectKeys.contains(objectKey(k)));
    return AdminResponse.text(
        200,
        "purged "
            + paths.size()
            + " paths, "
            + removed
            + " objects of "
            + objectKeys.size()
            + " originals");
  }

  /**
   * The object key of a cache key: its path without the representation suffix and the variant
   * prefix.
   */
  static String objectKey(String cacheKey) {
    int representation = cacheKey.indexOf('\u0002');
    String path = representation < 0 ? cacheKey : cacheKey.substring(0, representation);
    int skip =
        path.startsWith("/v/") ? 3 : path.startsWith("/t/") ? 4 : 1; // slashes before the key
    int at = 0;
    for (int i = 0; i < skip; i++) {
      at = path.indexOf('/', at) + 1;
      if (at == 0) {
        return "";
      }
    }
    return path.substring(at);
  }
}
