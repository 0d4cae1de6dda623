package io.imgcdn.bench.load;

import io.imgcdn.bench.workload.Trace;
import io.imgcdn.bench.workload.TraceRequest;
import java.net.URI;
import java.util.List;

/** Test helper: LoadResults built from given latencies, without a run. */
public final class LoadResultFixtures {

  private LoadResultFixtures() {}

  /** One 200 response per latency (microseconds), 1 s elapsed. */
  public static LoadResult withLatencies(long... micros) {
    Stats s = new Stats();
    for (long m : micros) {
      s.sent++;
      s.response(200, 100, "edge-1;hit", m * 1000);
    }
    LoadSpec spec =
        LoadSpec.closedLoop(
            URI.create("http://127.0.0.1:1"),
            Trace.of(List.of(new TraceRequest("/a", 100)).iterator()),
            1);
    return LoadResult.of(spec, 1_000_000_000L, s, 0);
  }
}
