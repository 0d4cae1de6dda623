package io.imgcdn.common.http;

import io.netty.handler.codec.DateFormatter;
import java.util.Date;

/**
 * The value of the {@code Date} response header (RFC 9110 section 6.6.1), formatted once per
 * second.
 */
public final class HttpDates {
  /*
   * Formatting an IMF-fixdate costs a Date and a StringBuilder; a busy node answers thousands of requests
   * per second with the same value. The holder is an immutable pair swapped through a volatile field, so
   * readers never see a torn value and no lock is needed; two threads may format the same second twice.
   */
  private record Stamp(long second, String value) {}

  private static volatile Stamp current = new Stamp(-1, "");

  private HttpDates() {}

  /** The current time as an IMF-fixdate, e.g. {@code Sun, 06 Nov 1994 08:49:37 GMT}. */
  @SuppressWarnings("JavaUtilDate") // Netty's DateFormatter writes IMF-fixdate from a Date only
  public static String now() {
    long millis = System.currentTimeMillis();
    long second = millis / 1000;
    Stamp s = current;
    if (s.second != second) {
      s = new Stamp(second, DateFormatter.format(new Date(second * 1000)));
      current = s;
    }
    return s.value;
  }

  /** The epoch second that {@link #now()} formats at this moment. */
  public static long currentSecond() {
    return System.currentTimeMillis() / 1000;
  }
}
