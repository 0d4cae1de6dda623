package io.imgcdn.edge.status;

import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * Renders a {@link StatusReport} as one self-contained HTML page (inline CSS, no scripts, no
 * external assets).
 */
final class StatusHtml {
  /*
   * Every string that did not come from this file goes through escape(): keys are request paths chosen by
   * clients, and node ids and addresses come from a file an operator edits. Laid out for a 1280 x 800
   * screen: the ring across the page, then tiers and cache/JVM side by side, then the two top-key windows.
   */
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter CLOCK =
      DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);
  private static final String CSS =
      """
      *{box-sizing:border-box}
      body{margin:0;font:13px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
        background:#f3f5f8;color:#1d2733}
      header{background:#1f3a5f;color:#fff;padding:10px 20px;display:flex;gap:28px;align-items:baseline}
      header h1{font-size:18px;margin:0}
      header span{opacity:.85}
      main{display:grid;grid-template-columns:1fr 1fr;gap:14px;padding:14px 20px}
      section{background:#fff;border:1px solid #d8dee6;border-radius:6px;padding:10px 12px;min-width:0;overflow-x:auto}
      section.wide{grid-column:1/3}
      h2{font-size:14px;margin:0 0 8px;color:#1f3a5f}
      table{border-collapse:collapse;width:100%}
      th,td{padding:3px 5px;text-align:right;white-space:nowrap;border-bottom:1px solid #edf0f4}
      th{color:#5b6b7d;font-weight:600;background:#f7f9fb}
      td.l,th.l{text-align:left}
      td.key{max-width:330px;overflow:hidden;text-overflow:ellipsis;font-family:"DejaVu Sans Mono",monospace}
      td.id{max-width:220px;overflow:hidden;text-overflow:ellipsis}
      td.addr{max-width:300px;overflow:hidden;text-overflow:ellipsis}
      .up{color:#fff;background:#2e8b57;border-radius:3px;padding:0 6px}
      .down{color:#fff;background:#c0392b;border-radius:3px;padding:0 6px}
      .bar{display:inline-block;height:9px;background:#4a7fc1;border-radius:2px;vertical-align:middle}
      .note{color:#5b6b7d;font-size:12px;margin:6px 0 0}
      dl{display:grid;grid-template-columns:auto 1fr auto 1fr;gap:4px 14px;margin:0}
      dt{color:#5b6b7d}dd{margin:0;font-weight:600}
      """;

  private StatusHtml() {}

  /**
   * The page; {@code refreshSeconds} above 0 makes it reload itself that often (a meta refresh).
   */
  static String render(StatusReport r, int refreshSeconds) {
    StringBuilder h = new StringBuilder(16_384);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width\">")
        .append(
            refreshSeconds > 0
                ? "<meta http-equiv=\"refresh\" content=\"" + refreshSeconds + "\">"
                : "")
        .append("<title>")
        .append(escape(r.nodeId()))
        .append(" status</title><style>")
        .append(CSS)
        .append("</style></head><body>\n");
    h.append("<header><h1>")
        .append(escape(r.nodeId()))
        .append("</h1><span>edge, version ")
        .append(escape(r.version()))
        .append("</span><span>up ")
        .append(duration(r.uptime()))
        .append("</span><span>")
        .append(TIME.format(r.now()))
        .append("</span></header>\n<main>\n");
    ring(h, r.ring());
    tiers(h, r.tiers());
    cacheAndJvm(h, r);
    keys(h, "Top keys, this window", r.currentWindow());
    keys(h, "Top keys, last window", r.lastWindow());
    h.append("</main></body></html>\n");
    return h.toString();
  }

  private static void ring(StringBuilder h, StatusReport.Ring ring) {
    h.append("<section id=\"ring\" class=\"wide\"><h2>Shard ring (version ")
        .append(ring.version())
        .append(", ")
        .append(escape(ring.placement()))
        .append(")</h2><table><tr><th class=\"l\">member</th>")
        .append(
            "<th class=\"l\">address</th><th>weight</th><th"
                + " class=\"l\">health</th><th>failures</th>")
        .append(
            "<th class=\"l\">last probe</th><th>in flight</th><th class=\"l\">key"
                + " share</th></tr>\n");
    for (StatusReport.Member m : ring.members()) {
      String id = escape(m.id());
      String address = escape(m.address());
      h.append("<tr><td class=\"l id\" title=\"")
          .append(id)
          .append("\">")
          .append(id)
          .append("</td><td class=\"l addr\" title=\"")
          .append(address)
          .append("\">")
          .append(address)
          .append("</td><td>")
          .append(m.weight())
          .append(" <span class=\"note\">(")
          .append(percent(m.weightShare()))
          .append(")</span></td><td class=\"l\">")
          .append(
              m.ejected() ? "<span class=\"down\">down</span>" : "<span class=\"up\">up</span>");
      if (m.ejected()) {
        h.append(
            m.retryInMillis() > 0
                ? String.format(Locale.ROOT, " retry %.1f s", m.retryInMillis() / 1000.0)
                : " probing");
      }
      h.append("</td><td>")
          .append(m.consecutiveFailures())
          .append("</td><td class=\"l\">")
          .append(escape(m.lastProbe()))
          .append("</td><td>")
          .append(m.inFlight())
          .append("</td><td class=\"l\">")
          .append("<span class=\"bar\" style=\"width:")
          .append(Math.round(m.keyShare() * 200))
          .append("px\"></span> ")
          .append(percent(m.keyShare()))
          .append("</td></tr>\n");
    }
    h.append("</table><p class=\"note\">Shares from ")
        .append(String.format(Locale.ROOT, "%,d", ring.sampledKeys()))
        .append(" sampled keys; weight share in brackets. Health probes: ")
        .append(ring.probes())
        .append(" sent, ")
        .append(ring.probeFailures())
        .append(" failed.</p></section>\n");
  }

  private static void tiers(StringBuilder h, List<StatusReport.TierRow> rows) {
    h.append(
        "<section id=\"tiers\"><h2>Hit ratios per tier</h2><table><tr><th class=\"l\">tier</th>");
    for (TierCounters.Verdict v : TierCounters.Verdict.values()) {
      h.append("<th>").append(v.name().toLowerCase(Locale.ROOT)).append("</th>");
    }
    h.append("<th>object hit</th><th>byte hit</th></tr>\n");
    for (StatusReport.TierRow row : rows) {
      h.append("<tr><td class=\"l\">").append(escape(row.tier())).append("</td>");
      for (long n : row.objects()) {
        h.append("<td>").append(n).append("</td>");
      }
      h.append("<td>")
          .append(percent(row.objectHitRatio()))
          .append("</td><td>")
          .append(percent(row.byteHitRatio()))
          .append("</td></tr>\n");
    }
    h.append(
            "</table><p class=\"note\">Edge: every response. Shard and origin: the X-Cache verdicts"
                + " of the ")
        .append("responses this edge fetched (one per miss; coalesced waiters not counted again). ")
        .append(
            "Hit ratio = hit / (hit + miss + coalesced + stale); bytes are body bytes"
                + " sent.</p></section>\n");
  }

  private static void cacheAndJvm(StringBuilder h, StatusReport r) {
    StatusReport.Cache c = r.cache();
    StatusReport.Jvm j = r.jvm();
    double used = c.capacityBytes() == 0 ? Double.NaN : (double) c.usedBytes() / c.capacityBytes();
    h.append("<section id=\"cache\"><h2>Cache and JVM</h2><dl>")
        .append("<dt>cache used</dt><dd>")
        .append(bytes(c.usedBytes()))
        .append(" of ")
        .append(bytes(c.capacityBytes()))
        .append(" (")
        .append(percent(used))
        .append(")</dd>")
        .append("<dt>objects</dt><dd>")
        .append(c.objects())
        .append("</dd>")
        .append("<dt>evictions</dt><dd>")
        .append(c.evictions() < 0 ? "?" : Long.toString(c.evictions()))
        .append("</dd>")
        .append("<dt>off-heap bodies</dt><dd>")
        .append(bytes(c.offHeapBytes()))
        .append("</dd>")
        .append("<dt>heap</dt><dd>")
        .append(bytes(j.heapUsed()))
        .append(" used, ")
        .append(bytes(j.heapCommitted()))
        .append(" committed, max ")
        .append(j.heapMax() < 0 ? "?" : bytes(j.heapMax()))
        .append("</dd>")
        .append("<dt>direct memory</dt><dd>")
        .append(j.directUsed() < 0 ? "?" : bytes(j.directUsed()))
        .append(" of ")
        .append(j.directMax() < 0 ? "?" : bytes(j.directMax()))
        .append("</dd>")
        .append("<dt>uptime</dt><dd>")
        .append(duration(r.uptime()))
        .append("</dd>")
        .append("<dt>version</dt><dd>")
        .append(escape(r.version()))
        .append("</dd>")
        .append("<dt>runtime</dt><dd>")
        .append(escape(j.runtime()))
        .append("</dd>")
        .append("</dl></section>\n");
  }

  private static void keys(StringBuilder h, String title, TopKeys.Window w) {
    h.append("<section class=\"keys\"><h2>")
        .append(title)
        .append(" (")
        .append(CLOCK.format(w.start()))
        .append("&ndash;")
        .append(CLOCK.format(w.end()))
        .append(", ")
        .append(w.requests())
        .append(
            " requests)</h2><table><tr><th>#</th><th"
                + " class=\"l\">key</th><th>requests</th><th>&plusmn;</th>")
        .append("<th>bytes</th></tr>\n");
    List<HeavyHitters.Entry> keys = w.keys();
    int n = Math.min(keys.size(), EdgeStatus.HTML_KEYS);
    for (int i = 0; i < n; i++) {
      HeavyHitters.Entry e = keys.get(i);
      String key = escape(e.key());
      h.append("<tr><td>")
          .append(i + 1)
          .append("</td><td class=\"l key\" title=\"")
          .append(key)
          .append("\">")
          .append(key)
          .append("</td><td>")
          .append(e.count())
          .append("</td><td>")
          .append(e.error())
          .append("</td><td>")
          .append(bytes(e.bytes()))
          .append("</td></tr>\n");
    }
    if (n == 0) {
      h.append("<tr><td></td><td class=\"l\">no requests</td><td></td><td></td><td></td></tr>\n");
    }
    h.append("</table></section>\n");
  }

  /** HTML escaping for text and double-quoted attribute values. */
  static String escape(String s) {
    StringBuilder out = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      String rep =
          switch (c) {
            case '&' -> "&amp;";
            case '<' -> "&lt;";
            case '>' -> "&gt;";
            case '"' -> "&quot;";
            case '\'' -> "&#39;";
            default -> null;
          };
      if (rep != null && out == null) {
        out = new StringBuilder(s.length() + 16).append(s, 0, i);
      }
      if (out != null) {
        if (rep != null) {
          out.append(rep);
        } else {
          out.append(c);
        }
      }
    }
    return out == null ? s : out.toString();
  }

  static String percent(double ratio) {
    return Double.isNaN(ratio) ? "&ndash;" : String.format(Locale.ROOT, "%.1f%%", ratio * 100);
  }

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  static String duration(Duration d) {
    long s = d.toSeconds();
    return s >= 86_400
        ? String.format(Locale.ROOT, "%dd %02dh %02dm", s / 86_400, s / 3600 % 24, s / 60 % 60)
        : String.format(Locale.ROOT, "%02d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  }
}
