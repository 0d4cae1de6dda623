package io.imgcdn.bench.workload;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything that determines a workload: the same spec always yields the same objects, bytes and
 * trace.
 *
 * @param seed the seed every random choice derives from
 * @param originals number of original objects
 * @param zipfExponent popularity skew of originals (0.6 to 1.2, default 0.9; docs/BENCHMARKS.md,
 *     "The workload")
 * @param requests number of requests in the trace
 * @param mix which URL (original or preset) a request for an original asks for, with weights
 * @param driftEveryRequests popularity shifts every this many requests; 0 for a stationary trace
 * @param driftKeys how many ranks popularity slides down at each shift
 * @param sizes the size distribution of originals
 */
public record WorkloadSpec(
    long seed,
    int originals,
    double zipfExponent,
    long requests,
    List<Share> mix,
    long driftEveryRequests,
    int driftKeys,
    SizeModel sizes) {

  /** Default request mix: thumbnails dominate, as on any image site's list pages. */
  public static final String DEFAULT_MIX =
      "original:0.10,w150:0.35,sq240:0.20,w600:0.25,w1200:0.10";

  /**
   * One URL kind in the request mix.
   *
   * @param preset the preset, or {@link Preset#ORIGINAL}
   * @param weight relative weight, > 0
   */
  public record Share(Preset preset, double weight) {
    public Share {
      if (!(weight > 0)) {
        throw new IllegalArgumentException(
            "weight of " + preset.name() + ": " + weight + " (expected: > 0)");
      }
    }
  }

  public WorkloadSpec {
    if (originals <= 0) {
      throw new IllegalArgumentException("originals: " + originals + " (expected: > 0)");
    }
    if (!(zipfExponent >= 0 && zipfExponent <= 5)) {
      throw new IllegalArgumentException(
          "zipfExponent: " + zipfExponent + " (expected: in [0, 5])");
    }
    if (requests < 0) {
      throw new IllegalArgumentException("requests: " + requests + " (expected: >= 0)");
    }
    if (mix.isEmpty()) {
      throw new IllegalArgumentException("mix: empty (expected: at least one preset)");
    }
    Set<String> names = new HashSet<>();
    for (Share s : mix) {
      if (!names.add(s.preset().name())) {
        throw new IllegalArgumentException(
            "mix: " + s.preset().name() + " twice (expected: each once)");
      }
    }
    mix = List.copyOf(mix);
    if (driftEveryRequests < 0 || driftKeys < 0) {
      throw new IllegalArgumentException(
          "drift: every "
              + driftEveryRequests
              + " requests by "
              + driftKeys
              + " keys (expected: both >= 0)");
    }
  }

  /**
   * 20,000 originals, Zipf 0.9, one million requests, {@link #DEFAULT_MIX}, no drift, pixiv's
   * sizes.
   */
  public static WorkloadSpec defaults(long seed) {
    return new WorkloadSpec(
        seed, 20_000, 0.9, 1_000_000, parseMix(DEFAULT_MIX), 0, 0, SizeModel.pixiv());
  }

  /** Parses {@code name:weight,name:weight,...}, e.g. {@link #DEFAULT_MIX}. */
  public static List<Share> parseMix(String text) {
    List<Share> shares = new ArrayList<>();
    for (String part : text.split(",")) {
      String[] kv = part.trim().split(":");
      if (kv.length != 2) {
        throw new IllegalArgumentException("mix entry: '" + part + "' (expected: name:weight)");
      }
      shares.add(new Share(Preset.of(kv[0].trim()), Double.parseDouble(kv[1].trim())));
    }
    return shares;
  }

  /** The mix in the form {@link #parseMix} reads. */
  public String mixText() {
    StringBuilder sb = new StringBuilder();
    for (Share s : mix) {
      sb.append(sb.isEmpty() ? "" : ",").append(s.preset().name()).append(':').append(s.weight());
    }
    return sb.toString();
  }

  public WorkloadSpec withOriginals(int n) {
    return new WorkloadSpec(
        seed, n, zipfExponent, requests, mix, driftEveryRequests, driftKeys, sizes);
  }

  public WorkloadSpec withZipfExponent(double s) {
    return new WorkloadSpec(
        seed, originals, s, requests, mix, driftEveryRequests, driftKeys, sizes);
  }

  public WorkloadSpec withRequests(long n) {
    return new WorkloadSpec(
        seed, originals, zipfExponent, n, mix, driftEveryRequests, driftKeys, sizes);
  }

  public WorkloadSpec withMix(List<Share> m) {
    return new WorkloadSpec(
        seed, originals, zipfExponent, requests, m, driftEveryRequests, driftKeys, sizes);
  }

  public WorkloadSpec withDrift(long everyRequests, int keys) {
    return new WorkloadSpec(
        seed, originals, zipfExponent, requests, mix, everyRequests, keys, sizes);
  }

  public WorkloadSpec withSizes(SizeModel m) {
    return new WorkloadSpec(
        seed, originals, zipfExponent, requests, mix, driftEveryRequests, driftKeys, m);
  }
}
