package io.imgcdn.bench.peers;

import io.imgcdn.bench.workload.ObjectSink;
import io.imgcdn.bench.workload.SizeModel;
import io.imgcdn.bench.workload.Trace;
import io.imgcdn.bench.workload.TraceRequest;
import io.imgcdn.bench.workload.Workload;
import io.imgcdn.bench.workload.WorkloadSpec;
import io.imgcdn.bench.workload.WorkloadUploader;
import java.io.IOException;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;

/**
 * The objects a peer run puts into the bucket, described by one string both JVMs understand: {@code
 * fixed:<count>:<bytes>:<seed>} (run 2: equal-size objects) or {@code workload:<seed>:<originals>}
 * (run 3: the originals of the default workload, pixiv's sizes).
 */
public final class ObjectSets {

  private ObjectSets() {}

  /** The spec string of {@code count} objects of {@code bytes} each. */
  public static String fixed(int count, int bytes, long seed) {
    if (count <= 0 || bytes <= 0) {
      throw new IllegalArgumentException(
          "fixed objects: " + count + " x " + bytes + " bytes (expected: both > 0)");
    }
    return "fixed:" + count + ":" + bytes + ":" + seed;
  }

  /**
   * The spec string of the originals of {@code spec} (seed and originals; sizes are always
   * pixiv's).
   */
  public static String workload(WorkloadSpec spec) {
    if (!spec.sizes().equals(SizeModel.pixiv())) {
      throw new IllegalArgumentException(
          "workload sizes: " + spec.sizes() + " (expected: SizeModel.pixiv())");
    }
    return "workload:" + spec.seed() + ":" + spec.originals();
  }

  /** The key of fixed object {@code i}: {@code fixed/000042.jpg}. */
  public static String fixedKey(int i) {
    return "fixed/" + String.format("%06d", i) + ".jpg";
  }

  /**
   * The bytes of fixed object {@code i}: pseudo-random from (seed, i). Not an image: shard and ATS
   * only store and serve them, and the origin serves originals byte for byte.
   */
  static byte[] fixedBody(long seed, int i, int bytes) {
    byte[] b = new byte[bytes];
    SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i);
    for (int k = 0; k < bytes; k += 8) {
      long v = rng.nextLong();
      for (int j = 0; j < 8 && k + j < bytes; j++) {
        b[k + j] = (byte) (v >>> (8 * j));
      }
    }
    return b;
  }

  /**
   * A trace of {@code requests} requests over {@code count} fixed objects of {@code bytes} each,
   * the object of each request drawn uniformly (seeded).
   */
  public static Trace uniformTrace(int count, int bytes, long requests, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    return Trace.of(
        new Iterator<TraceRequest>() {
          long next;

          @Override
          public boolean hasNext() {
            return next < requests;
          }

          @Override
          public TraceRequest next() {
            if (next++ >= requests) {
              throw new NoSuchElementException();
            }
            return new TraceRequest("/" + fixedKey(rng.nextInt(count)), bytes);
          }
        });
  }

  /** A trace that asks for each of {@code count} fixed objects once, in a seeded random order. */
  public static Trace shuffledOnce(int count, int bytes, long seed) {
    int[] order = new int[count];
    for (int i = 0; i < count; i++) {
      order[i] = i;
    }
    SplittableRandom rng = new SplittableRandom(seed);
    for (int i = count - 1; i > 0; i--) { // Fisher-Yates
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return Trace.of(
        java.util.Arrays.stream(order)
            .mapToObj(i -> new TraceRequest("/" + fixedKey(i), bytes))
            .iterator());
  }

  /**
   * A trace that asks for each of {@code count} fixed objects once, in key order (a warm-up pass).
   */
  public static Trace eachOnce(int count, int bytes) {
    return Trace.of(
        new Iterator<TraceRequest>() {
          int next;

          @Override
          public boolean hasNext() {
            return next < count;
          }

          @Override
          public TraceRequest next() {
            if (next >= count) {
              throw new NoSuchElementException();
            }
            return new TraceRequest("/" + fixedKey(next++), bytes);
          }
        });
  }

  /** Puts the objects {@code spec} describes into {@code sink}; returns how many bytes. */
  static long put(String spec, ObjectSink sink, int threads) throws IOException {
    String[] p = spec.split(":");
    switch (p[0]) {
      case "fixed" -> {
        if (p.length != 4) {
          break;
        }
        int count = Integer.parseInt(p[1]);
        int bytes = Integer.parseInt(p[2]);
        long seed = Long.parseLong(p[3]);
        for (int i = 0; i < count; i++) {
          sink.put(fixedKey(i), fixedBody(seed, i, bytes), "image/jpeg");
        }
        return (long) count * bytes;
      }
      case "workload" -> {
        if (p.length != 3) {
          break;
        }
        WorkloadSpec ws =
            WorkloadSpec.defaults(Long.parseLong(p[1]))
                .withOriginals(Integer.parseInt(p[2]))
                .withRequests(0);
        return WorkloadUploader.upload(Workload.generate(ws), sink, threads).bytes();
      }
      default -> {
        // reported below
      }
    }
    throw new IllegalArgumentException(
        "objects: '"
            + spec
            + "' (expected: fixed:<count>:<bytes>:<seed> or "
            + "workload:<seed>:<originals>)");
  }
}
