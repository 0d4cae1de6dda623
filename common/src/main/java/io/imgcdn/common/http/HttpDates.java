package io.imgcdn.common.http;

import io.netty.handler.codec.DateFormatter;
import java.time.LocalDate;
import java.time.Month;
import java.time.Year;
import java.time.ZoneOffset;
import java.util.Date;
import org.jspecify.annotations.Nullable;

/**
 * HTTP-dates (RFC 9110 section 5.6.7): the value of the {@code Date} response header, formatted
 * once per second; {@code Last-Modified} values; and the parsing of the dates requests compare
 * against them (If-Modified-Since, If-Unmodified-Since, If-Range).
 */
public final class HttpDates {
  /*
   * Formatting an IMF-fixdate costs a Date and a StringBuilder; a busy node answers thousands of requests
   * per second with the same value. The holder is an immutable pair swapped through a volatile field, so
   * readers never see a torn value and no lock is needed; two threads may format the same second twice.
   *
   * Parsing is strict to the grammar of section 5.6.7, in its three formats (a recipient MUST accept all
   * three), because a value that is not an HTTP-date must be ignored, not guessed at (sections 13.1.3,
   * 13.1.4): Netty's DateFormatter follows the cookie rules of RFC 6265 instead, which take any time zone
   * name as GMT and dates in any order. Day names are checked against the grammar, not against the date.
   */
  private record Stamp(long second, String value) {}

  private static volatile Stamp current = new Stamp(-1, "");

  /** What {@link #parse} returns for a value that is not an HTTP-date. */
  public static final long INVALID = Long.MIN_VALUE;

  private static final String[] MONTHS = {
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"
  };
  private static final String[] DAY_NAMES = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  private static final String[] LONG_DAY_NAMES = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"
  };

  private HttpDates() {}

  /** The current time as an IMF-fixdate, e.g. {@code Sun, 06 Nov 1994 08:49:37 GMT}. */
  public static String now() {
    long millis = System.currentTimeMillis();
    long second = millis / 1000;
    Stamp s = current;
    if (s.second != second) {
      s = new Stamp(second, format(second));
      current = s;
    }
    return s.value;
  }

  /** The epoch second that {@link #now()} formats at this moment. */
  public static long currentSecond() {
    return System.currentTimeMillis() / 1000;
  }

  /** {@code epochSecond} as an IMF-fixdate, e.g. {@code Sun, 06 Nov 1994 08:49:37 GMT}. */
  @SuppressWarnings("JavaUtilDate") // Netty's DateFormatter writes IMF-fixdate from a Date only
  public static String format(long epochSecond) {
    return DateFormatter.format(new Date(Math.multiplyExact(epochSecond, 1000L)));
  }

  /**
   * An HTTP-date as epoch seconds, or {@link #INVALID} when {@code value} is null or not exactly
   * one HTTP-date in one of the formats of RFC 9110 section 5.6.7:
   *
   * <ul>
   *   <li>IMF-fixdate {@code Sun, 06 Nov 1994 08:49:37 GMT} (the preferred one);
   *   <li>obsolete RFC 850 {@code Sunday, 06-Nov-94 08:49:37 GMT}, whose two-digit year is the
   *       nearest that is not more than 50 years in the future;
   *   <li>obsolete asctime {@code Sun Nov 6 08:49:37 1994}.
   * </ul>
   */
  public static long parse(@Nullable String value) {
    if (value == null) {
      return INVALID;
    }
    String v = value.strip();
    int comma = v.indexOf(',');
    if (comma == 3) {
      return imfFixdate(v);
    }
    if (comma > 3) {
      return rfc850(v, comma);
    }
    return comma < 0 ? asctime(v) : INVALID;
  }

  /** {@code Sun, 06 Nov 1994 08:49:37 GMT}. */
  private static long imfFixdate(String v) {
    if (v.length() != 29
        || indexOf(DAY_NAMES, v, 0, 3) < 0
        || !v.startsWith(", ", 3)
        || v.charAt(7) != ' '
        || v.charAt(11) != ' '
        || v.charAt(16) != ' '
        || !v.startsWith(" GMT", 25)) {
      return INVALID;
    }
    return epochSecond(digits(v, 12, 4), month(v, 8), digits(v, 5, 2), v, 17);
  }

  /** {@code Sunday, 06-Nov-94 08:49:37 GMT}. */
  private static long rfc850(String v, int comma) {
    if (v.length() != comma + 24
        || indexOf(LONG_DAY_NAMES, v, 0, comma) < 0
        || !v.startsWith(", ", comma)
        || v.charAt(comma + 4) != '-'
        || v.charAt(comma + 8) != '-'
        || v.charAt(comma + 11) != ' '
        || !v.startsWith(" GMT", comma + 20)) {
      return INVALID;
    }
    int twoDigits = digits(v, comma + 9, 2);
    if (twoDigits < 0) {
      return INVALID;
    }
    // RFC 9110 section 5.6.7: a year more than 50 years in the future is the most recent past year
    // with the same last two digits.
    int thisYear = Year.now(ZoneOffset.UTC).getValue();
    int year = thisYear - thisYear % 100 + twoDigits;
    if (year > thisYear + 50) {
      year -= 100;
    }
    return epochSecond(year, month(v, comma + 5), digits(v, comma + 2, 2), v, comma + 12);
  }

  /** {@code Sun Nov 6 08:49:37 1994}: the day of the month is two digits or a space and one. */
  private static long asctime(String v) {
    if (v.length() != 24
        || indexOf(DAY_NAMES, v, 0, 3) < 0
        || v.charAt(3) != ' '
        || v.charAt(7) != ' '
        || v.charAt(10) != ' '
        || v.charAt(19) != ' ') {
      return INVALID;
    }
    int day = v.charAt(8) == ' ' ? digits(v, 9, 1) : digits(v, 8, 2);
    return epochSecond(digits(v, 20, 4), month(v, 4), day, v, 11);
  }

  /**
   * The epoch second of a date and the {@code HH:MM:SS} at {@code time}, or INVALID when a part is
   * missing (negative) or out of range.
   */
  private static long epochSecond(int year, int month, int day, String v, int time) {
    if (v.charAt(time + 2) != ':' || v.charAt(time + 5) != ':') {
      return INVALID;
    }
    int hour = digits(v, time, 2);
    int minute = digits(v, time + 3, 2);
    int second = digits(v, time + 6, 2);
    if (year < 0
        || month < 1
        || day < 1
        || day > Month.of(month).length(Year.isLeap(year))
        || hour < 0
        || hour > 23
        || minute < 0
        || minute > 59
        || second < 0
        || second > 60) { // 60: a leap second (section 5.6.7 allows it)
      return INVALID;
    }
    return LocalDate.of(year, month, day).toEpochDay() * 86_400L
        + hour * 3600L
        + minute * 60L
        + second;
  }

  /** The month (1..12) named by the three letters at {@code from}, or -1. */
  private static int month(String v, int from) {
    int i = indexOf(MONTHS, v, from, 3);
    return i < 0 ? -1 : i + 1;
  }

  /** The index of the name that is exactly {@code v[from, from + length)}, or -1. */
  private static int indexOf(String[] names, String v, int from, int length) {
    for (int i = 0; i < names.length; i++) {
      if (names[i].length() == length && v.startsWith(names[i], from)) {
        return i;
      }
    }
    return -1;
  }

  /** The decimal value of {@code count} ASCII digits at {@code from}, or -1 if one is not. */
  private static int digits(String v, int from, int count) {
    int n = 0;
    for (int i = from; i < from + count; i++) {
      char c = v.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }
}
