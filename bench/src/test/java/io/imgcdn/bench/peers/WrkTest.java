package io.imgcdn.bench.peers;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class WrkTest {

  @Test
  void parse_scriptSummaryLine_figuresInMillisAndErrorsSummed() {
    String out =
        """
        Running 5s test @ http://127.0.0.1:1
        imgcdn-wrk: requests=50000 bytes=1000 duration_us=5000000 connect=1 read=2 write=0 status=3 timeout=4 \
        p50_us=1500 p90_us=2000 p99_us=9000 p99.9_us=12000 max_us=20000
        """;

    Wrk.Figures f = Wrk.parse(out).orElseThrow();

    assertThat(f.requests()).isEqualTo(50_000);
    assertThat(f.requestsPerSecond()).isEqualTo(10_000.0);
    assertThat(f.errors()).isEqualTo(10);
    assertThat(f.errorKinds()).isEqualTo("connect=1 read=2 status=3 timeout=4");
    assertThat(f.p50Millis()).isEqualTo(1.5);
    assertThat(f.p99Millis()).isEqualTo(9.0);
  }

  @Test
  void parse_noSummaryLine_empty() {
    assertThat(Wrk.parse("unable to connect to 127.0.0.1:1 Connection refused\n")).isEmpty();
  }
}
