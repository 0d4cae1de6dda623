package io.imgcdn.edge.cache;

/**
 * Tells an {@link Admission#ADAPTIVE} filter whether its long memory of requests predicts which
 * objects come back better than a short memory does: while popularity holds still it does, while it
 * drifts it does not.
 */
final class MemoryJudge {
  /*
   * The evidence: candidates on which the two memories disagree. D1 = those the long memory rejects and the
   * short one admits (newcomers: "trending"), D2 = those the long memory admits and the short one rejects
   * (old favourites gone quiet). Each goes into a ghost table (hash, request stamp, which set) and counts
   * as returned when it is requested again within HORIZON x entries requests. Both sets are candidates
   * that were just requested, so neither is favoured by recency; what differs is which memory vouched for
   * them. With return rates q1 = returned(D1) / D1 and q2 = returned(D2) / D2 (in bytes, the byte hit
   * ratio's currency), q1 well above q2 says the long memory turns away what comes back: distrust it (the
   * filter then admits everything and W-TinyLFU decides alone); q1 well below q2 says trust it.
   *
   * Verdicts every SAMPLE x entries requests; the sums then halve, so the evidence is about the last few
   * samples. Hysteresis: distrust when q1/q2 > DISTRUST_RATIO, trust again only when q1/q2 < TRUST_RATIO.
   * Measured in the bench simulator at 5% of the working set
   * (bench/results/2026-11-edge-hit-ratio.md), q1/q2 is mostly 0.1-1.3 (median about 0.6) without
   * drift and 1.3-8 (median about 2.3) with drift. The thresholds are not symmetric around 1
   * because the costs are not: trusting the long memory under drift costs up to 9 points of byte
   * hit ratio, distrusting it without drift at most 3. For the same reason a new cache starts
   * distrusting (as plain W-TinyLFU) until the first evidence: until the short memory first halves,
   * both memories hold the same counts and cannot disagree. Disagreements with (almost) nothing
   * coming back from either set mean rejections cost nothing: trust, the mode that keeps one-hit
   * wonders out.
   *
   * A first design compared the misses of rejected candidates with the hits of the victims a rejection
   * kept (the ghost-set idea of adaptive caching [1]) to climb the long memory's length; it told drift from
   * no drift poorly, because a just-requested candidate comes back more often than a cold victim whatever
   * the workload. Hill climbing on the hit rate itself (as Caffeine sizes its window [1]) wandered: a
   * change of history length shows in the hit rate only a history later.
   *
   * Cost: one probe of one slot per hit or offered miss; one write per disagreement. Memory: 8 bytes per
   * slot, one slot per 2 expected entries, at most 64 Ki slots (512 KiB). Plain fields: races between event
   * loops lose a count at worst.
   *
   * [1] Einziger, Eytan, Friedman, Manes. Adaptive Software Cache Management. Middleware 2018.
   */
  static final double DISTRUST_RATIO = 1.5;
  static final double TRUST_RATIO = 0.7;

  /** Requests within which a disagreement's candidate counts as returned, in expected entries. */
  static final int HORIZON = 1;

  /** Requests between verdicts, in expected entries. */
  static final int SAMPLE = 1;

  /**
   * Returned bytes below which disagreements are taken to cost nothing (then the judge trusts the
   * long memory).
   */
  static final long MIN_EVIDENCE_BYTES = AdmissionFilter.ASSUMED_ENTRY_BYTES;

  private static final int MAX_GHOST = 1 << 16;

  private final long[] ghost;
  private final int mask;
  private final long horizon;
  private final long sample;
  private int requests;
  private long sinceVerdict;
  private long longRejected;
  private long longRejectedReturned;
  private long longAdmitted;
  private long longAdmittedReturned;
  private boolean trustsLongMemory;
  private long verdicts;

  /** A judge for a filter sized for {@code entries} expected entries. */
  MemoryJudge(long entries) {
    if (entries <= 0) {
      throw new IllegalArgumentException("entries: " + entries + " (expected: > 0)");
    }
    int size = (int) Math.min(MAX_GHOST, Long.highestOneBit(2 * entries - 1));
    this.ghost = new long[size];
    this.mask = size - 1;
    this.horizon = HORIZON * entries;
    this.sample = SAMPLE * entries;
  }

  /**
   * Whether the long memory's verdicts stand now (else the filter admits everything); false in a
   * new cache.
   */
  boolean trustsLongMemory() {
    return trustsLongMemory;
  }

  /** Verdicts given so far (one per sample of requests). */
  long verdicts() {
    return verdicts;
  }

  /** One request (a hit, or a miss being offered) of a key (by String hash) of {@code weight}. */
  void request(int hash, int weight) {
    requests++;
    int i = index(hash);
    long slot = ghost[i];
    if (slot != 0 && (int) (slot >>> 32) == hash) {
      ghost[i] = 0;
      int stamp = (int) slot;
      if (((requests - (stamp >>> 1)) & Integer.MAX_VALUE) <= horizon) {
        if ((stamp & 1) != 0) {
          longRejectedReturned += weight;
        } else {
          longAdmittedReturned += weight;
        }
      }
    }
    if (++sinceVerdict >= sample) {
      sinceVerdict = 0;
      verdict();
    }
  }

  /**
   * The memories disagreed on a candidate (by String hash) of {@code weight}; the long one admitted
   * it or not.
   */
  void disagreed(int hash, int weight, boolean longAdmits) {
    if (longAdmits) {
      longAdmitted += weight;
    } else {
      longRejected += weight;
    }
    int stamp = ((requests & Integer.MAX_VALUE) << 1) | (longAdmits ? 0 : 1);
    ghost[index(hash)] = ((long) hash << 32) | (stamp & 0xFFFFFFFFL);
  }

  private void verdict() {
    verdicts++;
    boolean disagreements = longRejected + longAdmitted > 0; // none yet in a new cache: no evidence
    if (disagreements && longRejectedReturned + longAdmittedReturned < MIN_EVIDENCE_BYTES) {
      trustsLongMemory =
          true; // nothing came back: rejections cost nothing, and the filter keeps one-hit wonders
      // out
    } else if (longRejected > 0 && longAdmitted > 0) {
      // q1 / q2 = (r1 / d1) / (r2 / d2); with r2 == 0 it is r1 * d2 (large: distrust)
      double ratio =
          (double) longRejectedReturned
              * longAdmitted
              / Math.max(1.0, (double) longAdmittedReturned * longRejected);
      if (trustsLongMemory && ratio > DISTRUST_RATIO) {
        trustsLongMemory = false;
      } else if (!trustsLongMemory && ratio < TRUST_RATIO) {
        trustsLongMemory = true;
      }
    }
    longRejected /= 2;
    longRejectedReturned /= 2;
    longAdmitted /= 2;
    longAdmittedReturned /= 2;
  }

  @Override
  public String toString() {
    return "MemoryJudge[trustsLongMemory="
        + trustsLongMemory
        + ", longRejected="
        + longRejected
        + "/returned "
        + longRejectedReturned
        + ", longAdmitted="
        + longAdmitted
        + "/returned "
        + longAdmittedReturned
        + "]";
  }

  private int index(int hash) {
    int h = hash * 0x9E3779B9;
    return (h ^ (h >>> 16)) & mask;
  }
}
