package io.imgcdn.common.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * The key/value settings of one node: a properties file plus command-line overrides, read through
 * typed accessors that record which keys the node understood.
 */
public final class Settings {
  /*
   * Every accessor takes the key's default beside the key, so a config record reads as a table of
   * key, default and meaning (Aeron keeps *_PROP_NAME next to *_DEFAULT for the same reason).
   * Problems are collected, not thrown one by one: finish() reports every bad value and every unknown key
   * together, so one failed start-up lists everything to fix (imgproxy joins its errors the same way).
   * Sizes take k/m/g/t suffixes (powers of 1024) and durations ms/s/m/h/d, as Agrona's SystemUtil and
   * CaffeineSpec do.
   */

  private static final Pattern SIZE =
      Pattern.compile("(\\d+)\\s*([kmgt]?)i?b?", Pattern.CASE_INSENSITIVE);
  private static final Pattern DURATION =
      Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)", Pattern.CASE_INSENSITIVE);

  private final Map<String, String> values;
  private final Set<String> understood = new HashSet<>();
  private final Set<String> understoodPrefixes = new HashSet<>();
  private final List<String> problems = new ArrayList<>();

  private Settings(Map<String, String> values) {
    this.values = values;
  }

  /** Settings from explicit key/value pairs (tests, embedded nodes). */
  public static Settings of(Map<String, String> values) {
    Map<String, String> trimmed = new LinkedHashMap<>();
    values.forEach((k, v) -> trimmed.put(k.trim(), v.trim()));
    return new Settings(trimmed);
  }

  /** The file's properties (when given), then each override, later ones winning. */
  public static Settings load(@Nullable Path file, Map<String, String> overrides) {
    Map<String, String> merged = new LinkedHashMap<>();
    if (file != null) {
      Properties properties = new Properties();
      try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        properties.load(reader);
      } catch (IOException e) {
        throw new ConfigException(
            List.of("config file " + file + ": cannot read (" + e.getMessage() + ")"));
      } catch (IllegalArgumentException e) {
        // Properties.load throws this for a malformed \\uXXXX escape. Found by SettingsFuzzTest.
        throw new ConfigException(
            List.of(
                "config file "
                    + file
                    + ": "
                    + e.getMessage()
                    + " (expected: \\u followed by 4 hex digits)"));
      }
      new TreeMap<>(properties)
          .forEach((k, v) -> merged.put(k.toString().trim(), v.toString().trim()));
    }
    overrides.forEach((k, v) -> merged.put(k.trim(), v.trim()));
    return new Settings(merged);
  }

  /** Parses "key=value" override arguments. */
  public static Map<String, String> parseOverrides(List<String> assignments) {
    Map<String, String> result = new LinkedHashMap<>();
    List<String> bad = new ArrayList<>();
    for (String assignment : assignments) {
      int eq = assignment.indexOf('=');
      if (eq <= 0) {
        bad.add("override '" + assignment + "': expected key=value");
      } else {
        result.put(assignment.substring(0, eq).trim(), assignment.substring(eq + 1).trim());
      }
    }
    if (!bad.isEmpty()) {
      throw new ConfigException(bad);
    }
    return result;
  }

  public String string(String key, String defaultValue) {
    String value = raw(key);
    return value == null ? defaultValue : value;
  }

  /** The key's value as written, or null when it is absent; the key counts as understood. */
  private @Nullable String raw(String key) {
    understood.add(key);
    return values.get(key);
  }

  /**
   * A value that must be present and non-empty; records a problem (and returns "") when it is not.
   */
  public String required(String key) {
    String value = string(key, "");
    if (value.isEmpty()) {
      problems.add(key + ": required (expected: a non-empty value)");
    }
    return value;
  }

  public int integer(String key, int defaultValue, int min, int max) {
    String raw = raw(key);
    if (raw == null) {
      return defaultValue;
    }
    try {
      int value = Integer.parseInt(raw);
      if (value < min || value > max) {
        problems.add(key + ": " + raw + " (expected: an integer from " + min + " to " + max + ")");
        return defaultValue;
      }
      return value;
    } catch (NumberFormatException e) {
      problems.add(key + ": '" + raw + "' (expected: an integer from " + min + " to " + max + ")");
      return defaultValue;
    }
  }

  public int port(String key, int defaultValue) {
    return integer(key, defaultValue, 0, 65_535);
  }

  public boolean bool(String key, boolean defaultValue) {
    String raw = raw(key);
    if (raw == null) {
      return defaultValue;
    }
    return switch (raw.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "on" -> true;
      case "false", "no", "off" -> false;
      default -> {
        problems.add(key + ": '" + raw + "' (expected: true or false)");
        yield defaultValue;
      }
    };
  }

  /** A byte count such as 512m, 2g or 1048576. */
  public long bytes(String key, String defaultValue, long min) {
    String raw = string(key, defaultValue);
    try {
      long value = parseBytes(raw);
      if (value < min) {
        problems.add(key + ": " + raw + " (expected: at least " + min + " bytes)");
        return parseBytes(defaultValue);
      }
      return value;
    } catch (IllegalArgumentException e) {
      problems.add(key + ": '" + raw + "' (expected: a size such as 512k, 64m or 2g)");
      return parseBytes(defaultValue);
    }
  }

  /** A positive duration such as 500ms, 10s or 5m. */
  public Duration duration(String key, String defaultValue) {
    String raw = string(key, defaultValue);
    try {
      Duration value = parseDuration(raw);
      if (value.isZero()) {
        problems.add(key + ": " + raw + " (expected: a duration above zero)");
        return parseDuration(defaultValue);
      }
      return value;
    } catch (IllegalArgumentException e) {
      problems.add(key + ": '" + raw + "' (expected: a duration such as 500ms, 10s or 5m)");
      return parseDuration(defaultValue);
    }
  }

  public Path path(String key, String defaultValue) {
    String raw = string(key, defaultValue);
    try {
      return Path.of(raw);
    } catch (java.nio.file.InvalidPathException e) {
      // e.g. a NUL character. Found by SettingsFuzzTest.
      problems.add(key + ": '" + raw + "' (expected: a file system path; " + e.getReason() + ")");
      return Path.of(defaultValue);
    }
  }

  /**
   * Every key under a prefix (e.g. "origin.preset."), keyed by the rest of the name; all count as
   * understood.
   */
  public Map<String, String> withPrefix(String prefix) {
    understoodPrefixes.add(prefix);
    Map<String, String> result = new TreeMap<>();
    values.forEach(
        (k, v) -> {
          if (k.startsWith(prefix) && k.length() > prefix.length()) {
            result.put(k.substring(prefix.length()), v);
          }
        });
    return result;
  }

  /** Records a problem found by a config record's own validation. */
  public void problem(String key, String message) {
    problems.add(key + ": " + message);
  }

  /** Throws one ConfigException naming every bad value and every key nobody asked for. */
  public void finish() {
    List<String> all = new ArrayList<>(problems);
    Set<String> unknown = new TreeSet<>();
    for (String key : values.keySet()) {
      if (!understood.contains(key) && understoodPrefixes.stream().noneMatch(key::startsWith)) {
        unknown.add(key);
      }
    }
    for (String key : unknown) {
      all.add(key + ": unknown key (check the spelling; see docs/CONFIGURATION.md)");
    }
    if (!all.isEmpty()) {
      throw new ConfigException(all);
    }
  }

  public static long parseBytes(String raw) {
    Matcher m = SIZE.matcher(raw.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a size: " + raw);
    }
    long number = Long.parseLong(m.group(1));
    int shift =
        switch (m.group(2).toLowerCase(Locale.ROOT)) {
          case "k" -> 10;
          case "m" -> 20;
          case "g" -> 30;
          case "t" -> 40;
          default -> 0;
        };
    if (shift > 0 && number > (Long.MAX_VALUE >> shift)) {
      throw new IllegalArgumentException("size too large: " + raw);
    }
    return number << shift;
  }

  public static Duration parseDuration(String raw) {
    Matcher m = DURATION.matcher(raw.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a duration: " + raw);
    }
    long n = Long.parseLong(m.group(1));
    try {
      Duration d =
          switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
          };
      // Callers hand durations to timers in nanos: beyond ~292 years toNanos throws too.
      var _ = d.toNanos();
      return d;
    } catch (ArithmeticException e) {
      // Found by SettingsFuzzTest: "9223372036854775807d" overflowed in ofDays, "92036854775807h"
      // later in
      // toMillis/toNanos, so start-up died with a stack trace instead of naming the key.
      throw new IllegalArgumentException(
          "duration too large: " + raw + " (expected: at most 292 years)", e);
    }
  }
}
