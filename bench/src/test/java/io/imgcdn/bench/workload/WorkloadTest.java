package io.imgcdn.bench.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkloadTest {

  private static final long KIB = 1024;

  private static List<TraceRequest> all(Workload w) {
    List<TraceRequest> out = new ArrayList<>();
    w.requests().forEachRemaining(out::add);
    return out;
  }

  @Test
  void generate_sameSeed_sameSizesAndTrace() {
    WorkloadSpec spec = WorkloadSpec.defaults(42).withOriginals(2_000).withRequests(20_000);
    Workload a = Workload.generate(spec);
    Workload b = Workload.generate(spec);

    assertThat(all(a)).isEqualTo(all(b));
    for (int i = 0; i < 2_000; i++) {
      assertThat(a.originalSize(i)).isEqualTo(b.originalSize(i));
    }
    assertThat(a.body(17)).isEqualTo(b.body(17));
  }

  @Test
  void generate_otherSeed_otherTrace() {
    WorkloadSpec spec = WorkloadSpec.defaults(42).withOriginals(2_000).withRequests(1_000);

    assertThat(all(Workload.generate(spec)))
        .isNotEqualTo(
            all(
                Workload.generate(
                    WorkloadSpec.defaults(43).withOriginals(2_000).withRequests(1_000))));
  }

  @Test
  void generate_moreOriginals_keepsEarlierOriginalsSizes() {
    Workload small = Workload.generate(WorkloadSpec.defaults(5).withOriginals(100).withRequests(0));
    Workload large =
        Workload.generate(WorkloadSpec.defaults(5).withOriginals(1_000).withRequests(0));

    for (int i = 0; i < 100; i++) {
      assertThat(large.originalSize(i)).isEqualTo(small.originalSize(i));
    }
  }

  @Test
  void defaultWorkload_originalSizes_meanAndP95WithinTolerance() {
    Workload w = Workload.generate(WorkloadSpec.defaults(42).withRequests(0));
    long[] sizes = new long[w.originalCount()];
    for (int i = 0; i < sizes.length; i++) {
      sizes[i] = w.originalSize(i);
    }
    Arrays.sort(sizes);

    // 20,000 heavy-tailed draws: the mean's standard error is about 2.5%; allow 8%.
    assertThat((double) w.originalBytes() / sizes.length)
        .isCloseTo(60 * KIB, within(0.08 * 60 * KIB));
    assertThat((double) sizes[(int) (0.95 * sizes.length)])
        .isCloseTo(300 * KIB, within(0.05 * 300 * KIB));
    assertThat(sizes[sizes.length - 1]).isLessThanOrEqualTo(15 * KIB * KIB);
  }

  @Test
  void trace_requestsPerOriginal_followZipfSlope() {
    for (double s : new double[] {0.6, 0.9, 1.2}) {
      Workload w =
          Workload.generate(WorkloadSpec.defaults(3).withZipfExponent(s).withRequests(500_000));
      long[] counts = new long[w.originalCount()];
      w.forEachRequest((original, share, preset) -> counts[original]++);

      assertThat(ZipfSlope.fit(counts, 100)).as("exponent %s", s).isCloseTo(-s, within(0.05));
    }
  }

  @Test
  void trace_popularOriginals_areScrambled() {
    Workload w = Workload.generate(WorkloadSpec.defaults(3).withRequests(0));
    int[] top = new int[10];
    for (int r = 0; r < 10; r++) {
      top[r] = w.originalAtRank(r, 0);
    }
    Arrays.sort(top);

    assertThat(top[9] - top[0]).isGreaterThan(1_000);
  }

  @Test
  void trace_withDrift_hottestOriginalChangesAtShift() {
    WorkloadSpec spec =
        WorkloadSpec.defaults(9).withOriginals(1_000).withRequests(100_000).withDrift(50_000, 100);
    Workload w = Workload.generate(spec);
    long[] first = new long[1_000];
    long[] second = new long[1_000];
    long[] index = {0};
    w.forEachRequest(
        (original, share, preset) -> (index[0]++ < 50_000 ? first : second)[original]++);

    assertThat(argMax(first)).isEqualTo(w.originalAtRank(0, 0));
    assertThat(argMax(second)).isEqualTo(w.originalAtRank(0, 50_000)).isNotEqualTo(argMax(first));
    // The old hottest slid 100 ranks down.
    assertThat(w.originalAtRank(100, 50_000)).isEqualTo(w.originalAtRank(0, 0));
  }

  @Test
  void trace_mix_followsWeights() {
    Workload w =
        Workload.generate(WorkloadSpec.defaults(1).withOriginals(1_000).withRequests(200_000));
    long[] perShare = new long[w.spec().mix().size()];
    w.forEachRequest((original, share, preset) -> perShare[share]++);

    // original 0.10, w150 0.35, sq240 0.20, w600 0.25, w1200 0.10
    double[] expected = {0.10, 0.35, 0.20, 0.25, 0.10};
    for (int i = 0; i < expected.length; i++) {
      assertThat(perShare[i] / 200_000.0).isCloseTo(expected[i], within(0.01));
    }
  }

  @Test
  void requests_pathsAndSizes_matchModel() {
    Workload w = Workload.generate(WorkloadSpec.defaults(1).withOriginals(100).withRequests(1_000));
    w.requests()
        .forEachRemaining(
            r -> {
              String key = r.path().substring(r.path().indexOf("img/"));
              int index = Integer.parseInt(key.substring(4, 10));
              Preset p =
                  r.path().startsWith("/v/") ? Preset.of(r.path().split("/")[2]) : Preset.ORIGINAL;
              assertThat(r.path()).isEqualTo(p.path(w.key(index)));
              assertThat(r.size()).isEqualTo(w.size(index, p));
            });
  }

  @Test
  void size_variants_smallerThanLargeOriginals() {
    Workload w = Workload.generate(WorkloadSpec.defaults(1).withOriginals(2_000).withRequests(0));
    int checked = 0;
    for (int i = 0; i < 2_000; i++) {
      if (w.originalDims(i).width() >= 1600) {
        assertThat(w.size(i, Preset.of("w150"))).isLessThan(w.size(i, Preset.of("w600")));
        assertThat(w.size(i, Preset.of("w600"))).isLessThan(w.size(i, Preset.of("w1200")));
        assertThat(w.size(i, Preset.of("w1200"))).isLessThan(w.originalSize(i));
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(50);
  }

  private static int argMax(long[] counts) {
    int best = 0;
    for (int i = 1; i < counts.length; i++) {
      if (counts[i] > counts[best]) {
        best = i;
      }
    }
    return best;
  }
}
