package io.imgcdn.common.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.common.http.HttpError;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The deadline a tier gets from its caller's header and its own limit, on a clock the test moves.
 */
class DeadlineTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  private Deadline of(String header, Duration limit) {
    return Deadline.of(header, limit, now::get);
  }

  @Test
  void of_headerBelowTheLimit_headerLessTheMargin() {
    Deadline d = of("1850", Duration.ofSeconds(25));
    assertThat(d.givenMillis()).isEqualTo(1850 - Deadline.ANSWER_MARGIN.toMillis());
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    assertThat(d.left()).isEqualTo(Duration.ofMillis(750));
    assertThat(d.spent()).isFalse();
    now.addAndGet(Duration.ofMillis(750).toNanos());
    assertThat(d.spent()).isTrue();
    assertThat(d.left()).isZero();
  }

  @Test
  void of_headerAboveTheLimitOrAbsent_theLimitNeverExtended() {
    assertThat(of("600000", Duration.ofSeconds(25)).givenMillis()).isEqualTo(24_900);
    assertThat(of(null, Duration.ofSeconds(25)).givenMillis()).isEqualTo(24_900);
  }

  @Test
  void of_headerWithinTheMargin_spentAtOnce() {
    assertThat(of("100", Duration.ofSeconds(25)).spent()).isTrue();
    assertThat(of("0", Duration.ofSeconds(25)).spent()).isTrue();
    assertThat(of("0", Duration.ofSeconds(25)).givenMillis()).isZero();
  }

  @Test
  void of_malformedHeader_400NamingIt() {
    for (String bad : new String[] {"", "-5", "1.5", "12s", "9999999999999", "0x10"}) {
      assertThatThrownBy(() -> of(bad, Duration.ofSeconds(1)))
          .as("'%s'", bad)
          .isInstanceOf(HttpError.class)
          .satisfies(
              e -> {
                assertThat(((HttpError) e).status().code()).isEqualTo(400);
                assertThat(((HttpError) e).publicMessage()).startsWith("X-Imgcdn-Deadline: '");
              });
    }
    assertThat(of(" 250 ", Duration.ofSeconds(1)).givenMillis()).isEqualTo(150);
  }

  @Test
  void put_wholeMillisecondsNeverNegative() {
    HttpHeaders h = new DefaultHttpHeaders();
    Deadline.put(h, Duration.ofNanos(1_999_999_999L));
    assertThat(h.get(Deadline.HEADER)).isEqualTo("1999");
    Deadline.put(h, Duration.ofMillis(-3));
    assertThat(h.get(Deadline.HEADER)).isEqualTo("0");
  }
}
