package io.imgcdn.edge.status;

import java.util.List;
import java.util.Locale;

/**
 * Renders a {@link StatusReport} as JSON: the data of the HTML page with raw numbers (bytes, ratios
 * 0..1, null for a ratio without data), for scripts and tests.
 */
final class StatusJson {
  /*
   * Written by hand: the module has no JSON library, and the shape is small and fixed. Strings are escaped
   * per RFC 8259 (quote, backslash, control characters) plus '<', '>' and '&' as \\u escapes, so the text
   * stays inert if someone pastes it into HTML.
   */
  private StatusJson() {}

  static String render(StatusReport r) {
    StringBuilder j = new StringBuilder(8_192);
    j.append('{');
    field(j, "node").append(string(r.nodeId())).append(',');
    field(j, "version").append(string(r.version())).append(',');
    field(j, "time").append(string(r.now().toString())).append(',');
    field(j, "uptimeSeconds").append(r.uptime().toSeconds()).append(',');
    ring(j, r.ring());
    j.append(',');
    field(j, "tiers").append('{');
    List<StatusReport.TierRow> tiers = r.tiers();
    for (int i = 0; i < tiers.size(); i++) {
      tier(j.append(i == 0 ? "" : ","), tiers.get(i));
    }
    j.append("},");
    field(j, "topKeys").append('{');
    window(j, "current", r.currentWindow());
    j.append(',');
    window(j, "last", r.lastWindow());
    j.append("},");
    StatusReport.Cache c = r.cache();
    field(j, "cache").append('{');
    field(j, "usedBytes").append(c.usedBytes()).append(',');
    field(j, "capacityBytes").append(c.capacityBytes()).append(',');
    field(j, "objects").append(c.objects()).append(',');
    field(j, "evictions").append(c.evictions()).append(',');
    field(j, "offHeapBytes").append(c.offHeapBytes()).append("},");
    StatusReport.Jvm m = r.jvm();
    field(j, "jvm").append('{');
    field(j, "runtime").append(string(m.runtime())).append(',');
    field(j, "heapUsedBytes").append(m.heapUsed()).append(',');
    field(j, "heapCommittedBytes").append(m.heapCommitted()).append(',');
    field(j, "heapMaxBytes").append(m.heapMax()).append(',');
    field(j, "directUsedBytes").append(m.directUsed()).append(',');
    field(j, "directMaxBytes").append(m.directMax()).append('}');
    return j.append("}\n").toString();
  }

  private static void ring(StringBuilder j, StatusReport.Ring ring) {
    field(j, "ring").append('{');
    field(j, "version").append(ring.version()).append(',');
    field(j, "placement").append(string(ring.placement())).append(',');
    field(j, "sampledKeys").append(ring.sampledKeys()).append(',');
    field(j, "probes").append(ring.probes()).append(',');
    field(j, "probeFailures").append(ring.probeFailures()).append(',');
    field(j, "members").append('[');
    List<StatusReport.Member> members = ring.members();
    for (int i = 0; i < members.size(); i++) {
      StatusReport.Member m = members.get(i);
      j.append(i == 0 ? "{" : ",{");
      field(j, "id").append(string(m.id())).append(',');
      field(j, "address").append(string(m.address())).append(',');
      field(j, "weight").append(m.weight()).append(',');
      field(j, "weightShare").append(number(m.weightShare())).append(',');
      field(j, "keyShare").append(number(m.keyShare())).append(',');
      field(j, "up").append(!m.ejected()).append(',');
      field(j, "consecutiveFailures").append(m.consecutiveFailures()).append(',');
      field(j, "retryInMillis").append(m.retryInMillis()).append(',');
      field(j, "lastProbe").append(string(m.lastProbe())).append(',');
      field(j, "inFlight").append(m.inFlight()).append('}');
    }
    j.append("]}");
  }

  @SuppressWarnings("EnumOrdinal") // indexes an in-memory array, as EnumMap does; never stored
  private static void tier(StringBuilder j, StatusReport.TierRow row) {
    field(j, row.tier()).append('{');
    TierCounters.Verdict[] verdicts = TierCounters.Verdict.values();
    field(j, "objects").append('{');
    for (TierCounters.Verdict v : verdicts) {
      j.append(v.ordinal() == 0 ? "" : ",");
      field(j, v.name().toLowerCase(Locale.ROOT)).append(row.objects()[v.ordinal()]);
    }
    j.append("},");
    field(j, "bytes").append('{');
    for (TierCounters.Verdict v : verdicts) {
      j.append(v.ordinal() == 0 ? "" : ",");
      field(j, v.name().toLowerCase(Locale.ROOT)).append(row.bytes()[v.ordinal()]);
    }
    j.append("},");
    field(j, "objectHitRatio").append(number(row.objectHitRatio())).append(',');
    field(j, "byteHitRatio").append(number(row.byteHitRatio())).append('}');
  }

  private static void window(StringBuilder j, String name, TopKeys.Window w) {
    field(j, name).append('{');
    field(j, "start").append(string(w.start().toString())).append(',');
    field(j, "end").append(string(w.end().toString())).append(',');
    field(j, "requests").append(w.requests()).append(',');
    field(j, "keys").append('[');
    List<HeavyHitters.Entry> keys = w.keys();
    for (int i = 0; i < keys.size(); i++) {
      HeavyHitters.Entry e = keys.get(i);
      j.append(i == 0 ? "{" : ",{");
      field(j, "key").append(string(e.key())).append(',');
      field(j, "requests").append(e.count()).append(',');
      field(j, "error").append(e.error()).append(',');
      field(j, "bytes").append(e.bytes()).append('}');
    }
    j.append("]}");
  }

  private static StringBuilder field(StringBuilder j, String name) {
    return j.append(string(name)).append(':');
  }

  private static String number(double d) {
    return Double.isNaN(d) || Double.isInfinite(d) ? "null" : Double.toString(d);
  }

  static String string(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == '<' || c == '>' || c == '&' || c == '\u2028' || c == '\u2029') {
            out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    return out.append('"').toString();
  }
}
