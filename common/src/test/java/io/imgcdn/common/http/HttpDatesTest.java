package io.imgcdn.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.Year;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HttpDatesTest {
  private static final long NOV_6_1994 = Instant.parse("1994-11-06T08:49:37Z").getEpochSecond();

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Sun, 06 Nov 1994 08:49:37 GMT", // IMF-fixdate
        "Sunday, 06-Nov-94 08:49:37 GMT", // RFC 850
        "Sun Nov  6 08:49:37 1994", // asctime
        " Sun, 06 Nov 1994 08:49:37 GMT ",
      })
  void parse_theThreeFormatsOfRfc9110_sameInstant(String value) {
    assertThat(HttpDates.parse(value)).isEqualTo(NOV_6_1994);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "yesterday",
        "Sun, 06 Nov 1994 08:49:37 PST", // only GMT
        "Sun, 06 Nov 1994 08:49:37 gmt",
        "sun, 06 Nov 1994 08:49:37 GMT", // names are case-sensitive
        "Sun, 06 nov 1994 08:49:37 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT", // two-digit day
        "Sun, 31 Nov 1994 08:49:37 GMT", // no such day
        "Sun, 29 Feb 1995 08:49:37 GMT",
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT",
        "Sun, 06 Nov 1994 08-49-37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT", // a list
        "Sun, 06 Nov 94 08:49:37 GMT",
        "Sunday, 06-Nov-1994 08:49:37 GMT",
        "Sundae, 06-Nov-94 08:49:37 GMT",
        "Sun Nov 06 08:49:37 94",
        "Sun Nov 6 08:49:37 1994",
        "1994-11-06T08:49:37Z",
      })
  void parse_notAnHttpDate_invalid(String value) {
    assertThat(HttpDates.parse(value)).isEqualTo(HttpDates.INVALID);
  }

  @Test
  void parse_null_invalid() {
    assertThat(HttpDates.parse(null)).isEqualTo(HttpDates.INVALID);
  }

  @Test
  void parse_leapDayAndLeapSecond_accepted() {
    assertThat(HttpDates.parse("Thu, 29 Feb 2024 00:00:00 GMT"))
        .isEqualTo(Instant.parse("2024-02-29T00:00:00Z").getEpochSecond());
    assertThat(HttpDates.parse("Sat, 31 Dec 2016 23:59:60 GMT"))
        .isEqualTo(Instant.parse("2017-01-01T00:00:00Z").getEpochSecond());
  }

  @Test
  void parse_rfc850TwoDigitYear_notMoreThan50YearsAhead() {
    int thisYear = Year.now(ZoneOffset.UTC).getValue();
    int yy = (thisYear + 51) % 100; // would be 51 years ahead: a past year instead
    long parsed = HttpDates.parse(String.format("Monday, 01-Jan-%02d 00:00:00 GMT", yy));
    int year = Instant.ofEpochSecond(parsed).atZone(ZoneOffset.UTC).getYear();
    assertThat(year).isEqualTo(thisYear + 51 - 100);
    int near = (thisYear + 1) % 100;
    long next = HttpDates.parse(String.format("Monday, 01-Jan-%02d 00:00:00 GMT", near));
    assertThat(Instant.ofEpochSecond(next).atZone(ZoneOffset.UTC).getYear())
        .isEqualTo(thisYear + 1);
  }

  @Test
  void format_imfFixdate_parsesBack() {
    assertThat(HttpDates.format(NOV_6_1994)).isEqualTo("Sun, 06 Nov 1994 08:49:37 GMT");
    long now = HttpDates.currentSecond();
    assertThat(HttpDates.parse(HttpDates.format(now))).isEqualTo(now);
    assertThat(HttpDates.parse(HttpDates.now())).isBetween(now, now + 1);
  }
}
