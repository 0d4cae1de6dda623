package io.imgcdn.launcher.badinput;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One row of {@code badinput/corpus.tsv}: a named raw request, the port it goes to and what must
 * come back.
 *
 * <p>Columns, tab-separated: {@code name}, {@code port} (edge, edge-admin, shard-admin, origin),
 * {@code expect}, {@code request}, and optional {@code checks}. Lines starting with '#' are
 * comments.
 *
 * <ul>
 *   <li>{@code expect}: {@code closed} (no response, connection closed), or the statuses of the
 *       responses in order, comma-separated, each possibly a set of acceptable codes ({@code
 *       400|505}), optionally followed by {@code " close"}: after those responses the server must
 *       close the connection (so nothing sent after them, e.g. a smuggled request, was answered).
 *   <li>{@code request}: the bytes to send, with escapes {@code \r \n \t \\ \xHH}, {@code
 *       {{N*text}}} for text repeated N times, {@code {{sig:options/key}}} for a valid signature,
 *       {@code {{sigflip:...}}} for the same signature with its last character changed, {@code
 *       {{token}}} for the admin token.
 *   <li>{@code checks}: space-separated {@code hdr:Name} (the first response must carry header
 *       Name).
 * </ul>
 */
record CorpusCase(String name, String port, String expect, String rawRequest, List<String> checks) {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\{([^}]*)}}");

  /** The expectation, parsed. */
  record Expectation(List<Set<Integer>> statuses, boolean close) {
    static Expectation parse(String text) {
      String t = text.strip();
      if (t.equals("closed")) {
        return new Expectation(List.of(), true);
      }
      boolean close = t.endsWith(" close");
      String codes = close ? t.substring(0, t.length() - " close".length()).strip() : t;
      List<Set<Integer>> statuses =
          Arrays.stream(codes.split(","))
              .map(
                  alternatives ->
                      Arrays.stream(alternatives.strip().split("\\|"))
                          .map(s -> Integer.valueOf(s.strip()))
                          .collect(Collectors.toUnmodifiableSet()))
              .toList();
      return new Expectation(statuses, close);
    }

    boolean matches(RawHttp.Exchange ex) {
      if (ex.responses().size() != statuses.size()) {
        return false;
      }
      for (int i = 0; i < statuses.size(); i++) {
        if (!statuses.get(i).contains(ex.responses().get(i).status())) {
          return false;
        }
      }
      return !close || Boolean.TRUE.equals(ex.closed());
    }

    /**
     * Statuses of 500 and above that this case accepts (e.g. 505 for an unsupported HTTP version).
     */
    Set<Integer> allowedServerErrors() {
      return statuses.stream()
          .flatMap(Set::stream)
          .filter(s -> s >= 500)
          .collect(Collectors.toSet());
    }
  }

  Expectation expectation() {
    return Expectation.parse(expect);
  }

  /** The request bytes with escapes decoded and placeholders resolved. */
  byte[] bytes(UnaryOperator<String> placeholders) {
    Matcher m = PLACEHOLDER.matcher(rawRequest);
    StringBuilder expanded = new StringBuilder();
    while (m.find()) {
      String inner = m.group(1);
      String replacement;
      Matcher repeat = Pattern.compile("(\\d+)\\*(.*)").matcher(inner);
      replacement =
          repeat.matches()
              ? repeat.group(2).repeat(Integer.parseInt(repeat.group(1)))
              : placeholders.apply(inner);
      m.appendReplacement(expanded, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(expanded);
    return unescape(expanded.toString());
  }

  /** Whether response i answers a HEAD: the i-th request line in the bytes starts with "HEAD ". */
  boolean[] headResponses(byte[] request) {
    String[] parts = new String(request, StandardCharsets.ISO_8859_1).split("\r\n\r\n", -1);
    boolean[] result = new boolean[parts.length];
    for (int i = 0; i < parts.length; i++) {
      result[i] = parts[i].stripLeading().startsWith("HEAD ");
    }
    return result;
  }

  static byte[] unescape(String s) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\' || i + 1 == s.length()) {
        if (c > 0xff) {
          throw new IllegalArgumentException(
              "non-Latin-1 character in a request: use \\xHH escapes");
        }
        out.write(c);
        continue;
      }
      char e = s.charAt(++i);
      switch (e) {
        case 'r' -> out.write('\r');
        case 'n' -> out.write('\n');
        case 't' -> out.write('\t');
        case '\\' -> out.write('\\');
        case 'x' -> {
          out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
          i += 2;
        }
        default -> throw new IllegalArgumentException("unknown escape \\" + e + " in " + s);
      }
    }
    return out.toByteArray();
  }

  static List<CorpusCase> load(String resource) throws IOException {
    List<CorpusCase> cases = new ArrayList<>();
    try (InputStream in = CorpusCase.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("missing resource " + resource);
      }
      String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
      for (int i = 0; i < lines.length; i++) {
        String line = lines[i];
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.split("\t");
        if (f.length < 4 || f.length > 5) {
          throw new IllegalArgumentException(
              resource
                  + ":"
                  + (i + 1)
                  + ": "
                  + f.length
                  + " columns (expected: name, port, expect, request [, checks])");
        }
        List<String> checks = f.length == 5 ? List.of(f[4].strip().split("\\s+")) : List.of();
        CorpusCase c = new CorpusCase(f[0].strip(), f[1].strip(), f[2].strip(), f[3], checks);
        c.expectation(); // fail fast on a malformed expectation
        cases.add(c);
      }
    }
    return cases;
  }
}
