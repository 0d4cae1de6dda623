package io.imgcdn.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.bench.workload.Trace;
import io.imgcdn.bench.workload.TraceRequest;
import io.imgcdn.bench.workload.Workload;
import io.imgcdn.bench.workload.WorkloadSpec;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoadGeneratorTest {

  private static Trace trace(String... lines) {
    List<TraceRequest> list = new ArrayList<>();
    for (String l : lines) {
      String[] p = l.split(" ");
      list.add(new TraceRequest(p[0], Long.parseLong(p[1])));
    }
    return Trace.of(list.iterator());
  }

  private static Trace workloadTrace(int requests) {
    return Trace.of(
        Workload.generate(WorkloadSpec.defaults(5).withOriginals(50).withRequests(requests)));
  }

  @Test
  void closedLoop_workloadTrace_everyRequestCountedWithTierVerdicts() throws Exception {
    Trace t = workloadTrace(300);
    try (TestServer server = new TestServer(t)) {
      LoadResult r =
          LoadGenerator.run(LoadSpec.closedLoop(server.uri(), t, 4).withMaxRequests(300));

      Set<String> distinct = new HashSet<>();
      long bytes = 0;
      for (int i = 0; i < 300; i++) {
        distinct.add(t.path(t.objectAt(i)));
        bytes += t.size(t.objectAt(i));
      }
      assertThat(r.responses()).isEqualTo(300);
      assertThat(r.sent()).isEqualTo(300);
      assertThat(r.errorCount()).isZero();
      assertThat(r.statusClasses()).containsExactly(java.util.Map.entry("2xx", 300L));
      assertThat(r.bodyBytes()).isEqualTo(bytes);
      assertThat(r.latencyMicros().getTotalCount()).isEqualTo(300);
      // The server says miss exactly once per distinct path (first request), hit afterwards.
      assertThat(r.verdicts("edge", "miss")).isEqualTo(distinct.size());
      assertThat(r.verdicts("edge", "hit")).isEqualTo(300 - distinct.size());
      assertThat(r.verdicts("shard", "miss")).isEqualTo(distinct.size());
      assertThat(r.tiers().keySet()).containsExactly("edge", "shard");
      assertThat(r.hitRatio("edge")).isEqualTo((300.0 - distinct.size()) / 300);
      assertThat(r.servedFromCache()).isEqualTo(300 - distinct.size());
      assertThat(server.requests.get()).isEqualTo(300);
    }
  }

  @Test
  void closedLoop_requestsBeyondTrace_wrapAround() throws Exception {
    Trace t = trace("/a 10", "/b 20", "/c 30");
    try (TestServer server = new TestServer(t)) {
      LoadResult r =
          LoadGenerator.run(
              LoadSpec.closedLoop(server.uri(), t, 2).withMaxRequests(10).withTraceOffset(1));

      // Slots 0..9 from offset 1: b c a b c a b c a b -> 4 b, 3 c, 3 a.
      assertThat(r.bodyBytes()).isEqualTo(4 * 20 + 3 * 30 + 3 * 10);
      assertThat(r.responses()).isEqualTo(10);
    }
  }

  @Test
  void closedLoop_errorStatuses_classified() throws Exception {
    Trace t = trace("/ok 100", "/status/404/x 0", "/status/503/y 0", "/ok 100", "/status/302/z 0");
    try (TestServer server = new TestServer(t)) {
      LoadResult r = LoadGenerator.run(LoadSpec.closedLoop(server.uri(), t, 2).withMaxRequests(10));

      assertThat(r.responses()).isEqualTo(10);
      assertThat(r.statusClasses())
          .containsEntry("2xx", 4L)
          .containsEntry("3xx", 2L)
          .containsEntry("4xx", 2L)
          .containsEntry("5xx", 2L);
      assertThat(r.errors(ErrorKind.STATUS_4XX)).isEqualTo(2);
      assertThat(r.errors(ErrorKind.STATUS_5XX)).isEqualTo(2);
      assertThat(r.errorCount()).isEqualTo(4);
      assertThat(r.bodyBytes()).isEqualTo(400);
    }
  }

  @Test
  void closedLoop_serverStalls_timeoutsCountedAndRunEnds() throws Exception {
    Trace t = trace("/stall/a 0", "/ok 5");
    try (TestServer server = new TestServer(t)) {
      LoadResult r =
          LoadGenerator.run(
              LoadSpec.closedLoop(server.uri(), t, 2)
                  .withMaxRequests(6)
                  .withRequestTimeout(Duration.ofSeconds(2)));

      // The timeout is generous so that, on a loaded CI machine, only the stalls time out, never an
      // answer.
      // Slots 0, 2, 4 stall; 1, 3, 5 answer. Each timeout closes its connection, which reconnects.
      assertThat(r.errors(ErrorKind.TIMEOUT)).isEqualTo(3);
      assertThat(r.responses()).isEqualTo(3);
      assertThat(r.sent()).isEqualTo(6);
      assertThat(r.latencyMicros().getTotalCount()).isEqualTo(3);
    }
  }

  @Test
  void closedLoop_serverClosesAfterResponse_reconnectsAndCompletes() throws Exception {
    Trace t = trace("/close/a 7", "/b 3");
    try (TestServer server = new TestServer(t)) {
      LoadResult r = LoadGenerator.run(LoadSpec.closedLoop(server.uri(), t, 1).withMaxRequests(8));

      assertThat(r.responses()).isEqualTo(8);
      assertThat(r.errorCount()).isZero();
      assertThat(r.bodyBytes()).isEqualTo(4 * 7 + 4 * 3);
    }
  }

  @Test
  void closedLoop_nothingListening_connectErrorsAndRunEndsAtDuration() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Trace t = trace("/a 1");

    LoadResult r =
        LoadGenerator.run(
            LoadSpec.closedLoop(URI.create("http://127.0.0.1:" + port), t, 2)
                .withMaxRequests(100)
                .withDuration(Duration.ofMillis(400)));

    assertThat(r.errors(ErrorKind.CONNECT)).isGreaterThanOrEqualTo(2);
    assertThat(r.responses()).isZero();
    assertThat(r.sent()).isZero();
  }

  @Test
  void openLoop_fixedRate_sendsEveryScheduledRequest() throws Exception {
    Trace t = workloadTrace(100);
    try (TestServer server = new TestServer(t)) {
      LoadResult r =
          LoadGenerator.run(
              LoadSpec.closedLoop(server.uri(), t, 4)
                  .withRate(500)
                  .withMaxRequests(60)
                  .withDuration(Duration.ofSeconds(20)));

      assertThat(r.responses()).isEqualTo(60);
      assertThat(r.unsent()).isZero();
      assertThat(r.errorCount()).isZero();
      assertThat(r.latencyMicros().getTotalCount()).isEqualTo(60);
      assertThat(r.spec().openLoop()).isTrue();
    }
  }

  @Test
  void openLoop_twoTargets_connectionsSpreadOverBoth() throws Exception {
    Trace t = trace("/a 1", "/b 2");
    try (TestServer one = new TestServer(t);
        TestServer two = new TestServer(t)) {
      LoadResult r =
          LoadGenerator.run(
              LoadSpec.closedLoop(one.uri(), t, 2)
                  .withTargets(List.of(one.uri(), two.uri()))
                  .withRate(1000)
                  .withMaxRequests(40)
                  .withThreads(2));

      assertThat(r.responses()).isEqualTo(40);
      assertThat(one.requests.get()).isPositive();
      assertThat(two.requests.get()).isPositive();
      assertThat(one.requests.get() + two.requests.get()).isEqualTo(40);
    }
  }

  @Test
  void session_twoRuns_secondReusesTheFirstRunsConnections() throws Exception {
    Trace t = trace("/a 10", "/b 20", "/c 30");
    try (TestServer server = new TestServer(t)) {
      LoadSpec spec = LoadSpec.closedLoop(server.uri(), t, 2).withMaxRequests(12);
      LoadResult first;
      LoadResult second;
      try (LoadGenerator.Session session = LoadGenerator.session(spec)) {
        first = session.run(spec);
        second = session.run(spec.withTraceOffset(1).withMaxRequests(9));
      }

      assertThat(first.responses()).isEqualTo(12);
      assertThat(second.responses()).isEqualTo(9);
      assertThat(first.errorCount() + second.errorCount()).isZero();
      assertThat(server.requests.get()).isEqualTo(21);
      assertThat(server.clientPorts).hasSize(2);
    }
  }

  @Test
  void session_specWithOtherConnections_refused() throws Exception {
    Trace t = trace("/a 10");
    try (TestServer server = new TestServer(t);
        LoadGenerator.Session session =
            LoadGenerator.session(LoadSpec.closedLoop(server.uri(), t, 2))) {
      org.assertj.core.api.Assertions.assertThatIllegalArgumentException()
          .isThrownBy(() -> session.run(LoadSpec.closedLoop(server.uri(), t, 3)))
          .withMessageContaining("3 connections");
    }
  }
}
