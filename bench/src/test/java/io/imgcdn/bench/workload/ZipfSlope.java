package io.imgcdn.bench.workload;

import java.util.Arrays;

/** Test helper: the least-squares slope of log(count) against log(rank) over the top ranks. */
final class ZipfSlope {

  private ZipfSlope() {}

  /** Sorts {@code counts} (descending) and fits ranks 1..{@code top}. */
  static double fit(long[] counts, int top) {
    long[] sorted = counts.clone();
    Arrays.sort(sorted);
    double sx = 0;
    double sy = 0;
    double sxx = 0;
    double sxy = 0;
    for (int r = 1; r <= top; r++) {
      double x = Math.log(r);
      double y = Math.log(sorted[sorted.length - r]);
      sx += x;
      sy += y;
      sxx += x * x;
      sxy += x * y;
    }
    return (top * sxy - sx * sy) / (top * sxx - sx * sx);
  }
}
