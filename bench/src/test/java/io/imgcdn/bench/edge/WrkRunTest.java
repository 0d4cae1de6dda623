package io.imgcdn.bench.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class WrkRunTest {

  /**
   * What `bash -c '"$@"; times' wrk wrk --latency ...` prints: wrk's report, then the shell's and
   * wrk's CPU.
   */
  private static final String OUTPUT =
      """
      Running 10s test @ http://127.0.0.1:40000/o61440.jpg
        2 threads and 64 connections
        Thread Stats   Avg      Stdev     Max   +/- Stdev
          Latency     1.10ms    3.37ms  76.14ms   97.44%
          Req/Sec    29.93k     3.01k   37.76k    70.00%
        Latency Distribution
           50%  827.00us
           75%    1.02ms
           90%    1.31ms
           99%   76.14ms
        595432 requests in 10.01s, 34.96GB read
        Socket errors: connect 0, read 1, write 0, timeout 2
      Requests/sec:  59475.37
      Transfer/sec:      3.49GB
      0m0.001s 0m0.002s
      0m2.250s 0m3.640s
      """;

  @Test
  void parse_wrkReportWithTimes_readsRateLatencyErrorsAndChildCpu() {
    WrkRun run = WrkRun.parse(OUTPUT);

    assertThat(run.requests()).isEqualTo(595_432);
    assertThat(run.requestsPerSecond()).isCloseTo(59_475.37, within(0.01));
    assertThat(run.p50Millis()).isCloseTo(0.827, within(1e-9));
    assertThat(run.p99Millis()).isCloseTo(76.14, within(1e-9));
    assertThat(run.errors()).isEqualTo(3);
    assertThat(run.cpuSeconds())
        .isCloseTo(5.89, within(1e-9)); // the children's line, user + system
  }

  @Test
  void parse_withoutTimes_cpuIsNaN() {
    WrkRun run = WrkRun.parse(OUTPUT.substring(0, OUTPUT.indexOf("0m0.001s")));

    assertThat(run.cpuSeconds()).isNaN();
    assertThat(run.requests()).isEqualTo(595_432);
  }
}
