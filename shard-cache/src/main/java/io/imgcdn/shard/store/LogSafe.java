package io.imgcdn.shard.store;

/**
 * Store keys made safe for a log line: control characters (the U+0001 separator, U+0000...)
 * escaped.
 */
public final class LogSafe {
  /*
   * Store keys are "objectKey U+0001 path" (U+0002 before a representation's token): raw, the separator
   * makes grep call the log a binary file. Escaped as \\uXXXX, like a Java string literal would show it.
   */
  private LogSafe() {}

  /**
   * {@code key} with every ISO control character written as {@code \\uXXXX}; the same string if it
   * has none.
   */
  public static String key(String key) {
    int i = 0;
    while (i < key.length() && !Character.isISOControl(key.charAt(i))) {
      i++;
    }
    if (i == key.length()) {
      return key;
    }
    StringBuilder out = new StringBuilder(key.length() + 16).append(key, 0, i);
    for (; i < key.length(); i++) {
      char c = key.charAt(i);
      if (Character.isISOControl(c)) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
