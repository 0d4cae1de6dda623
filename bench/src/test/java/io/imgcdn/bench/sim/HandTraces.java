package io.imgcdn.bench.sim;

import io.imgcdn.bench.workload.Trace;
import io.imgcdn.bench.workload.TraceRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Test helper: traces written as letters (or numbers) with a size per name. */
final class HandTraces {

  private HandTraces() {}

  /** {@code "1 2 3 1"} or {@code "A B A"}, sizes from {@code sizes} (1 when absent). */
  static Trace of(String requests, Map<String, Long> sizes) {
    List<TraceRequest> list = new ArrayList<>();
    for (String name : requests.trim().split("\\s+")) {
      list.add(new TraceRequest("/" + name, sizes.getOrDefault(name, 1L)));
    }
    return Trace.of(list.iterator());
  }

  static Trace unit(String requests) {
    return of(requests, Map.of());
  }
}
