package io.imgcdn.bench.load;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Parses the {@code X-Cache} response header: which tiers handled a request, nearest first, e.g.
 * {@code X-Cache: edge-1;hit, shard-2;miss}. A node id's tier is the id without a trailing {@code
 * -<number>} ({@code edge-1} is tier {@code edge}, {@code nginx-front-3} is {@code nginx-front}).
 */
public final class XCache {

  /**
   * Verdicts the tiers send (docs/HTTP-API.md); others (e.g. nginx's {@code expired}) are kept as
   * they come, lower-cased.
   */
  public static final List<String> VERDICTS = List.of("hit", "miss", "coalesced", "stale");

  /** The verdict given to an entry without {@code ;verdict}. */
  public static final String UNKNOWN = "unknown";

  private static final Pattern NODE_NUMBER = Pattern.compile("-[0-9]+$");

  /**
   * One tier's entry.
   *
   * @param node the node id, e.g. {@code edge-1}
   * @param tier the node id without its number, e.g. {@code edge}
   * @param verdict lower-case verdict, e.g. {@code hit}
   */
  public record Entry(String node, String tier, String verdict) {}

  private XCache() {}

  /** The entries of a header value, nearest tier first; empty for null or blank. */
  public static List<Entry> parse(String header) {
    List<Entry> out = new ArrayList<>();
    if (header == null) {
      return out;
    }
    for (String part : header.split(",")) {
      String p = part.strip();
      if (p.isEmpty()) {
        continue;
      }
      int semi = p.indexOf(';');
      String node = (semi < 0 ? p : p.substring(0, semi)).strip();
      String verdict = semi < 0 ? UNKNOWN : p.substring(semi + 1).strip().toLowerCase(Locale.ROOT);
      if (verdict.isEmpty()) {
        verdict = UNKNOWN;
      }
      out.add(new Entry(node, tierOf(node), verdict));
    }
    return out;
  }

  /** {@code edge-12} -> {@code edge}; an id without a trailing number is its own tier. */
  public static String tierOf(String node) {
    String tier = NODE_NUMBER.matcher(node).replaceFirst("");
    return tier.isEmpty() ? node : tier;
  }
}
