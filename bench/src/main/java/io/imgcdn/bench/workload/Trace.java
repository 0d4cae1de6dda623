package io.imgcdn.bench.workload;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * A trace held in memory compactly: distinct objects (path, size) numbered 0..objectCount-1 in
 * order of first request, and the requests as object numbers. What the simulator and load generator
 * replay.
 */
public final class Trace {

  private final String[] paths;
  private final long[] sizes;
  private final int[] requests;

  private Trace(String[] paths, long[] sizes, int[] requests) {
    this.paths = paths;
    this.sizes = sizes;
    this.requests = requests;
  }

  /**
   * Collects {@code requests}. A path requested with two different sizes is an error: every tool
   * assumes an object has one size.
   */
  public static Trace of(Iterator<TraceRequest> requests) {
    Map<String, Integer> ids = new HashMap<>();
    String[] paths = new String[1024];
    long[] sizes = new long[1024];
    int[] order = new int[1024];
    int n = 0;
    while (requests.hasNext()) {
      TraceRequest r = requests.next();
      Integer id = ids.get(r.path());
      if (id == null) {
        id = ids.size();
        ids.put(r.path(), id);
        if (id == paths.length) {
          paths = Arrays.copyOf(paths, id * 2);
          sizes = Arrays.copyOf(sizes, id * 2);
        }
        paths[id] = r.path();
        sizes[id] = r.size();
      } else if (sizes[id] != r.size()) {
        throw new IllegalArgumentException(
            "size of "
                + r.path()
                + ": "
                + r.size()
                + " at request "
                + n
                + " (expected: "
                + sizes[id]
                + " as before)");
      }
      if (n == order.length) {
        order = Arrays.copyOf(order, n * 2);
      }
      order[n++] = id;
    }
    return new Trace(
        Arrays.copyOf(paths, ids.size()),
        Arrays.copyOf(sizes, ids.size()),
        Arrays.copyOf(order, n));
  }

  /** Reads a trace file (see {@link TraceFormat}). */
  public static Trace read(Path file) throws IOException {
    try (TraceFormat.Reader reader = TraceFormat.open(file)) {
      return of(reader);
    }
  }

  /** The trace of a workload, generated in memory. */
  public static Trace of(Workload workload) {
    return of(workload.requests());
  }

  /** Number of requests. */
  public int length() {
    return requests.length;
  }

  /** The object requested by request {@code i}. */
  public int objectAt(int i) {
    return requests[i];
  }

  public int objectCount() {
    return paths.length;
  }

  public String path(int object) {
    return paths[object];
  }

  public long size(int object) {
    return sizes[object];
  }

  /** Total bytes of the distinct objects requested: the working set. */
  public long workingSetBytes() {
    long total = 0;
    for (long s : sizes) {
      total += s;
    }
    return total;
  }

  /** Total bytes of all requests. */
  public long requestedBytes() {
    long total = 0;
    for (int o : requests) {
      total += sizes[o];
    }
    return total;
  }
}
