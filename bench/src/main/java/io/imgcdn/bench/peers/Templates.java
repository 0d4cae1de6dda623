package io.imgcdn.bench.peers;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The peers' configuration templates in {@code src/main/resources/peers/}: text files with {@code
 * ${name}} placeholders.
 */
final class Templates {

  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([a-z0-9_.-]+)}");

  private Templates() {}

  /**
   * The template {@code peers/<name>} with every placeholder replaced; a placeholder without a
   * value, or a value no placeholder uses, is an error (a typo would otherwise produce a config
   * that silently differs).
   */
  static String render(String name, Map<String, String> values) {
    String text = read(name);
    Matcher m = PLACEHOLDER.matcher(text);
    StringBuilder sb = new StringBuilder();
    java.util.Set<String> used = new java.util.HashSet<>();
    while (m.find()) {
      String v = values.get(m.group(1));
      if (v == null) {
        throw new IllegalArgumentException(
            "template peers/"
                + name
                + ": no value for ${"
                + m.group(1)
                + "} (given: "
                + values.keySet()
                + ")");
      }
      used.add(m.group(1));
      m.appendReplacement(sb, Matcher.quoteReplacement(v));
    }
    m.appendTail(sb);
    for (String k : values.keySet()) {
      if (!used.contains(k)) {
        throw new IllegalArgumentException(
            "template peers/"
                + name
                + ": value "
                + k
                + " is not used (expected one of: "
                + used
                + ")");
      }
    }
    return sb.toString();
  }

  /** The template as it is stored. */
  static String read(String name) {
    try (InputStream in = Templates.class.getResourceAsStream("/peers/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("template peers/" + name + ": not on the class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("reading template peers/" + name, e);
    }
  }
}
