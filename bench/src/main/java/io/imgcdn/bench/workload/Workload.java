package io.imgcdn.bench.workload;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * A generated image workload: originals with sizes, dimensions and bytes, and a request trace over
 * them and their variants. Everything is a pure function of the {@link WorkloadSpec}.
 */
public final class Workload {

  /*
   * Determinism. Each original's size and aspect ratio come from its own SplittableRandom seeded with
   * (seed, index), so an original does not change when the number of originals does, and bodies come
   * from (seed, key) (see JpegBodies). The trace comes from one SplittableRandom seeded with the seed;
   * each request draws two uniforms: a Zipf rank and a mix entry.
   *
   * Scrambled popularity. The Zipf rank of a request is mapped to an original through a seeded random
   * permutation (Fisher-Yates), so the most popular originals are spread over the key space instead of
   * being img/000000, img/000001, ... (YCSB's "scrambled Zipfian" [1] hashes the rank instead, which
   * collides; a permutation keeps the distribution exact).
   *
   * Drift. With driftEveryRequests = E > 0 and driftKeys = k, request i uses offset
   * o = (i / E) * k mod n and rank r maps to original perm[(r - o) mod n]: at each shift every original
   * slides k ranks down and the k coldest become the hottest, like new uploads pushing old ones out of
   * the front page while the overall Zipf shape stays the same.
   *
   * [1] B. F. Cooper et al. Benchmarking cloud serving systems with YCSB. SoCC 2010.
   */

  private static final long SIZE_SALT = 0x5DEECE66DL;
  private static final long PERMUTATION_SALT = 0x9E3779B97F4A7C15L;
  private static final long TRACE_SALT = 0xC2B2AE3D27D4EB4FL;

  private final WorkloadSpec spec;
  private final long[] sizes;
  private final ImageDims[] dims;
  private final int[] permutation;
  private final double[] mixCumulative;
  private final JpegBodies bodies;

  private Workload(WorkloadSpec spec) {
    this.spec = spec;
    int n = spec.originals();
    this.sizes = new long[n];
    this.dims = new ImageDims[n];
    for (int i = 0; i < n; i++) {
      SplittableRandom rng =
          new SplittableRandom(mix64(spec.seed() ^ SIZE_SALT) + i * PERMUTATION_SALT);
      sizes[i] = spec.sizes().sizeAt(rng.nextDouble());
      dims[i] = ImageModel.originalDims(sizes[i], rng.nextInt(ImageModel.aspectCount()));
    }
    this.permutation = new int[n];
    for (int i = 0; i < n; i++) {
      permutation[i] = i;
    }
    SplittableRandom rng = new SplittableRandom(spec.seed() ^ PERMUTATION_SALT);
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = permutation[i];
      permutation[i] = permutation[j];
      permutation[j] = t;
    }
    List<WorkloadSpec.Share> m = spec.mix();
    this.mixCumulative = new double[m.size()];
    double total = m.stream().mapToDouble(WorkloadSpec.Share::weight).sum();
    double sum = 0;
    for (int i = 0; i < m.size(); i++) {
      sum += m.get(i).weight() / total;
      mixCumulative[i] = sum;
    }
    mixCumulative[m.size() - 1] = 1.0;
    this.bodies = new JpegBodies(spec.seed());
  }

  /**
   * Generates the workload for {@code spec} (sizes and dimensions only; bodies and requests are
   * lazy).
   */
  public static Workload generate(WorkloadSpec spec) {
    return new Workload(spec);
  }

  public WorkloadSpec spec() {
    return spec;
  }

  public int originalCount() {
    return sizes.length;
  }

  /** The S3 key of original {@code index}: {@code img/000042.jpg}. */
  public String key(int index) {
    return "img/" + String.format("%06d", index) + ".jpg";
  }

  public long originalSize(int index) {
    return sizes[index];
  }

  public ImageDims originalDims(int index) {
    return dims[index];
  }

  /** The size the model gives {@code preset} of original {@code index}. */
  public long size(int index, Preset preset) {
    return ImageModel.variantBytes(dims[index], sizes[index], preset);
  }

  /** The URL path of {@code preset} of original {@code index}. */
  public String path(int index, Preset preset) {
    return preset.path(key(index));
  }

  /** The bytes of original {@code index}: a valid JPEG of exactly {@link #originalSize} bytes. */
  public byte[] body(int index) {
    return bodies.body(key(index), dims[index], Math.toIntExact(sizes[index]));
  }

  /** The MIME type of every original. */
  public String contentType() {
    return "image/jpeg";
  }

  /**
   * The total bytes of every object the mix can request (originals and variants): the working set.
   */
  public long catalogueBytes() {
    long total = 0;
    for (int i = 0; i < sizes.length; i++) {
      for (WorkloadSpec.Share s : spec.mix()) {
        total += size(i, s.preset());
      }
    }
    return total;
  }

  /** The total bytes of the originals (what an uploader puts into the bucket). */
  public long originalBytes() {
    long total = 0;
    for (long s : sizes) {
      total += s;
    }
    return total;
  }

  /**
   * The original that Zipf rank {@code rank} names at request number {@code request} (drift
   * applied).
   */
  public int originalAtRank(int rank, long request) {
    int n = sizes.length;
    long offset =
        spec.driftEveryRequests() > 0
            ? Math.floorMod((request / spec.driftEveryRequests()) * spec.driftKeys(), (long) n)
            : 0;
    return permutation[(int) Math.floorMod(rank - offset, (long) n)];
  }

  /** Calls {@code sink} once per request of the trace, in order. */
  public void forEachRequest(RequestSink sink) {
    Cursor c = new Cursor();
    while (c.advance()) {
      sink.request(c.original, c.share, spec.mix().get(c.share).preset());
    }
  }

  /** The trace as {@link TraceRequest}s, generated as it is iterated. */
  public Iterator<TraceRequest> requests() {
    Cursor c = new Cursor();
    return new Iterator<>() {
      @Override
      public boolean hasNext() {
        return c.next < spec.requests();
      }

      @Override
      public TraceRequest next() {
        if (!c.advance()) {
          throw new NoSuchElementException("trace has " + spec.requests() + " requests");
        }
        Preset p = spec.mix().get(c.share).preset();
        return new TraceRequest(path(c.original, p), size(c.original, p));
      }
    };
  }

  /** Walks the trace: two uniforms per request, a Zipf rank and a mix entry. */
  private final class Cursor {
    final ZipfDistribution zipf = new ZipfDistribution(sizes.length, spec.zipfExponent());
    final SplittableRandom rng = new SplittableRandom(spec.seed() ^ TRACE_SALT);
    long next;
    int original;
    int share;

    boolean advance() {
      if (next >= spec.requests()) {
        return false;
      }
      original = originalAtRank(zipf.rankAt(rng.nextDouble()), next);
      double u = rng.nextDouble();
      share = 0;
      while (share < mixCumulative.length - 1 && mixCumulative[share] <= u) {
        share++;
      }
      next++;
      return true;
    }
  }

  /** Receives the requests of {@link #forEachRequest} as indices. */
  @FunctionalInterface
  public interface RequestSink {
    /**
     * Takes one request of the workload.
     *
     * @param original index of the original
     * @param share index into {@link WorkloadSpec#mix()}
     * @param preset the preset of that mix entry
     */
    void request(int original, int share, Preset preset);
  }

  /** Stafford's Mix13 finaliser (as in SplittableRandom), to decorrelate nearby seeds. */
  static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
