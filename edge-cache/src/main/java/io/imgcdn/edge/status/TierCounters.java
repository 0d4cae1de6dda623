package io.imgcdn.edge.status;

import io.imgcdn.hashring.Node;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Responses and body bytes per tier and cache verdict, read from the X-Cache chain of every
 * response the edge sends: the edge's own verdict for every request, and the verdicts the shard and
 * origin tiers put in the chain for every request this edge fetched from a shard.
 */
@SuppressWarnings("EnumOrdinal") // indexes an in-memory array, as EnumMap does; never stored
final class TierCounters {
  /*
   * What counts as one upstream response: the chain of a response whose edge verdict is "miss" (the one
   * request that led a fetch; its coalesced waiters carry the same upstream chain and are not counted
   * again for the upstream tiers). The tier of a chain entry after the first: "shard" when its node id is
   * a shard of the current cluster file, "origin" otherwise; only the nearest entry of each tier counts
   * (a shard that asked the previous owner of a key during a hand-off adds a second shard entry).
   * Bytes are the body bytes this edge sent for the response (0 for HEAD, the range for a 206), so byte
   * ratios are of bytes delivered, not of object sizes.
   * Parsing works on index ranges of the chain with regionMatches: no substring, nothing allocated.
   */
  enum Tier {
    EDGE,
    SHARD,
    ORIGIN
  }

  enum Verdict {
    HIT,
    MISS,
    COALESCED,
    STALE,
    ERROR,
    OTHER
  }

  private static final Tier[] TIERS = Tier.values();
  private static final Verdict[] VERDICTS = Verdict.values();
  private static final String[] VERDICT_NAMES = {"hit", "miss", "coalesced", "stale", "error"};

  private final String hitChain;
  private final Supplier<List<Node>> shards;
  private final LongAdder[] objects = new LongAdder[TIERS.length * VERDICTS.length];
  private final LongAdder[] bytes = new LongAdder[TIERS.length * VERDICTS.length];

  /**
   * @param nodeId this edge's id (its own entries lead every chain)
   * @param shards the shards of the current cluster file, to tell shard entries from origin entries
   */
  TierCounters(String nodeId, Supplier<List<Node>> shards) {
    this.hitChain = nodeId + ";hit";
    this.shards = shards;
    for (int i = 0; i < objects.length; i++) {
      objects[i] = new LongAdder();
      bytes[i] = new LongAdder();
    }
  }

  /**
   * Counts one finished response with X-Cache {@code chain} (null when none) and its body bytes.
   */
  void record(String chain, long bodyBytes) {
    if (chain == null) {
      count(Tier.EDGE, Verdict.OTHER, bodyBytes);
      return;
    }
    if (chain.equals(hitChain)) {
      count(Tier.EDGE, Verdict.HIT, bodyBytes);
      return;
    }
    int end = entryEnd(chain, 0);
    Verdict edge = verdictOf(chain, 0, end);
    count(Tier.EDGE, edge, bodyBytes);
    if (edge != Verdict.MISS) {
      return;
    }
    boolean shardSeen = false;
    boolean originSeen = false;
    List<Node> members = null;
    for (int from = end + 1; from < chain.length(); ) {
      while (from < chain.length() && chain.charAt(from) == ' ') {
        from++;
      }
      int to = entryEnd(chain, from);
      int semi = chain.indexOf(';', from);
      if (semi > from && semi < to) {
        if (members == null) {
          members = shards.get();
        }
        boolean shard = isShard(chain, from, semi, members);
        if (shard && !shardSeen) {
          shardSeen = true;
          count(Tier.SHARD, verdictOf(chain, from, to), bodyBytes);
        } else if (!shard && !originSeen) {
          originSeen = true;
          count(Tier.ORIGIN, verdictOf(chain, from, to), bodyBytes);
        }
      }
      from = to + 1;
    }
  }

  private static int entryEnd(String chain, int from) {
    int comma = chain.indexOf(',', from);
    return comma < 0 ? chain.length() : comma;
  }

  private static boolean isShard(String chain, int from, int semi, List<Node> members) {
    int length = semi - from;
    for (int i = 0, n = members.size(); i < n; i++) {
      String id = members.get(i).id();
      if (id.length() == length && chain.regionMatches(from, id, 0, length)) {
        return true;
      }
    }
    return false;
  }

  /** The verdict of the entry in [from, to): the text after its ';', trimmed. */
  private static Verdict verdictOf(String chain, int from, int to) {
    int semi = chain.indexOf(';', from);
    if (semi < 0 || semi >= to) {
      return Verdict.OTHER;
    }
    int start = semi + 1;
    int end = to;
    while (start < end && chain.charAt(start) == ' ') {
      start++;
    }
    while (end > start && chain.charAt(end - 1) == ' ') {
      end--;
    }
    for (int v = 0; v < VERDICT_NAMES.length; v++) {
      String name = VERDICT_NAMES[v];
      if (name.length() == end - start && chain.regionMatches(start, name, 0, name.length())) {
        return VERDICTS[v];
      }
    }
    return Verdict.OTHER;
  }

  private void count(Tier tier, Verdict verdict, long bodyBytes) {
    int i = tier.ordinal() * VERDICTS.length + verdict.ordinal();
    objects[i].increment();
    bytes[i].add(bodyBytes);
  }

  long objects(Tier tier, Verdict verdict) {
    return objects[tier.ordinal() * VERDICTS.length + verdict.ordinal()].sum();
  }

  long bytes(Tier tier, Verdict verdict) {
    return bytes[tier.ordinal() * VERDICTS.length + verdict.ordinal()].sum();
  }

  /**
   * {@code imgcdn_edge_verdicts_total{verdict_tier,result}} and {@code
   * imgcdn_edge_verdict_bytes_total{...}}. Not "tier": every series of a node already carries
   * tier="edge" (the node's own tier, a common tag).
   */
  void bind(MeterRegistry registry) {
    for (Tier tier : TIERS) {
      for (Verdict verdict : VERDICTS) {
        String t = tier.name().toLowerCase(java.util.Locale.ROOT);
        String v = verdict.name().toLowerCase(java.util.Locale.ROOT);
        FunctionCounter.builder("imgcdn.edge.verdicts", this, c -> c.objects(tier, verdict))
            .description(
                "Responses by cache tier and that tier's X-Cache verdict, as seen by this edge")
            .tags("verdict_tier", t, "result", v)
            .register(registry);
        FunctionCounter.builder("imgcdn.edge.verdict.bytes", this, c -> c.bytes(tier, verdict))
            .description("Body bytes sent by cache tier and verdict, as seen by this edge")
            .baseUnit("bytes")
            .tags("verdict_tier", t, "result", v)
            .register(registry);
      }
    }
  }
}
