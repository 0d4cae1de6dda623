package io.imgcdn.edge.policy;

import io.imgcdn.common.config.Settings;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The response policy of one key prefix (or the global one): the headers every response carries,
 * already encoded for the pre-encoded hit path, and the Referer check.
 */
public final class Rule {
  private static final String ATTACHMENT = "attachment";

  private final String prefix;
  private final @Nullable String allowOrigin;
  private final Map<String, String> headers;
  private final byte[] mediaLines;
  private final byte[] activeLines;

  /**
   * Host names allowed to embed ("example.com", or ".example.com" for its subdomains); empty: any.
   */
  private final List<String> referers;

  private final boolean emptyRefererAllowed;
  private final ResponsePolicy.MediaTypes types;

  private Rule(
      String prefix,
      @Nullable String allowOrigin,
      Map<String, String> headers,
      List<String> referers,
      boolean emptyRefererAllowed,
      ResponsePolicy.MediaTypes types) {
    this.prefix = prefix;
    this.allowOrigin = allowOrigin;
    this.headers = headers;
    this.referers = referers;
    this.emptyRefererAllowed = emptyRefererAllowed;
    this.types = types;
    this.mediaLines = encode(headers, false);
    this.activeLines = encode(headers, true);
  }

  /**
   * One of the three settings {@code values} holds for every rule (the global one's by default).
   */
  private static String setting(Map<String, String> values, String name) {
    return Objects.requireNonNull(values.get(name), name);
  }

  static Rule of(
      Settings s,
      String keyPrefix,
      String prefix,
      Map<String, String> values,
      Map<String, String> extraHeaders,
      String csp,
      ResponsePolicy.MediaTypes types) {
    String origin = setting(values, "allow-origin").strip();
    if (!origin.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      s.problem(keyPrefix + "allow-origin", "'" + origin + "' (expected: *, an origin, or empty)");
      origin = "*";
    }
    Map<String, String> headers = new LinkedHashMap<>();
    if (!origin.isEmpty()) {
      headers.put("Access-Control-Allow-Origin", origin);
    }
    headers.put("X-Content-Type-Options", "nosniff");
    if (!csp.isEmpty()) {
      headers.put("Content-Security-Policy", csp);
    }
    headers.putAll(extraHeaders);
    List<String> referers = new ArrayList<>();
    for (String r : setting(values, "referers").split(",")) {
      String host = r.strip().toLowerCase(Locale.ROOT);
      if (host.isEmpty()) {
        continue;
      }
      if (host.startsWith("*.")) {
        host = host.substring(1);
      }
      if (host.contains("*") || host.contains("/") || host.contains(":")) {
        s.problem(
            keyPrefix + "referers",
            "'" + r.strip() + "' (expected: host names, *.example.com for subdomains)");
        continue;
      }
      referers.add(host);
    }
    String empty = setting(values, "empty-referer").strip().toLowerCase(Locale.ROOT);
    if (!empty.isEmpty() && !empty.equals("allow") && !empty.equals("deny")) {
      s.problem(keyPrefix + "empty-referer", "'" + empty + "' (expected: allow or deny)");
    }
    return new Rule(
        prefix,
        origin.isEmpty() ? null : origin,
        headers,
        List.copyOf(referers),
        !empty.equals("deny"),
        types);
  }

  /** This rule with one more header on every response. */
  Rule withHeader(String name, String value) {
    Map<String, String> more = new LinkedHashMap<>(headers);
    more.put(name, value);
    return new Rule(prefix, allowOrigin, more, referers, emptyRefererAllowed, types);
  }

  private static byte[] encode(Map<String, String> headers, boolean attachment) {
    StringBuilder b = new StringBuilder();
    headers.forEach((name, value) -> b.append(name).append(": ").append(value).append("\r\n"));
    if (attachment) {
      b.append("Content-Disposition: ").append(ATTACHMENT).append("\r\n");
    }
    return b.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  /** The key prefix this rule is for; "" for the global rule. */
  public String prefix() {
    return prefix;
  }

  /** Access-Control-Allow-Origin, or null when none is sent. */
  public @Nullable String allowOrigin() {
    return allowOrigin;
  }

  /**
   * The policy's header lines for a 200 of {@code contentType}, encoded ("Name: value\r\n"...), to
   * go in a pre-encoded head; the same bytes every time (do not modify).
   */
  public byte[] headLines(String contentType) {
    return types.isMedia(contentType) ? mediaLines : activeLines;
  }

  /**
   * Adds the policy's headers to a head being written with {@code status}; a 2xx of a type that is
   * not media also says it is a download.
   */
  public void apply(HttpHeaders h, int status) {
    headers.forEach(h::set);
    if (status >= 200 && status < 300) {
      String type = h.get(HttpHeaderNames.CONTENT_TYPE);
      if (type != null && !types.isMedia(type)) {
        h.set(HttpHeaderNames.CONTENT_DISPOSITION, ATTACHMENT);
      }
    }
  }

  /** Whether a 2xx of {@code contentType} is refused rather than sent (active content, refuse). */
  public boolean refuses(@Nullable String contentType) {
    return types.activeContent() == ResponsePolicy.ActiveContent.REFUSE
        && contentType != null
        && !types.isMedia(contentType);
  }

  /** Whether this rule checks the Referer at all. */
  public boolean checksReferer() {
    return !referers.isEmpty();
  }

  /**
   * Whether a request with these headers may have the object: its Referer names an allowed host (or
   * it has none and that is allowed), or no Referer list is set.
   */
  public boolean allowsReferer(HttpHeaders requestHeaders) {
    if (referers.isEmpty()) {
      return true;
    }
    String referer = requestHeaders.get(HttpHeaderNames.REFERER);
    if (referer == null || referer.isBlank()) {
      return emptyRefererAllowed;
    }
    String host = host(referer);
    if (host == null) {
      return false;
    }
    for (String allowed : referers) {
      if (allowed.startsWith(".") ? host.endsWith(allowed) : host.equals(allowed)) {
        return true;
      }
    }
    return false;
  }

  /** The host of an absolute URL, lower case; null when there is none. */
  static @Nullable String host(String url) {
    int scheme = url.indexOf("://");
    if (scheme <= 0) {
      return null;
    }
    int start = scheme + 3;
    int end = start;
    while (end < url.length() && "/?#".indexOf(url.charAt(end)) < 0) {
      end++;
    }
    String authority = url.substring(start, end);
    authority = authority.substring(authority.lastIndexOf('@') + 1);
    if (authority.startsWith("[")) {
      int close = authority.indexOf(']');
      return close < 0 ? null : authority.substring(0, close + 1).toLowerCase(Locale.ROOT);
    }
    int colon = authority.indexOf(':');
    String host = colon < 0 ? authority : authority.substring(0, colon);
    return host.isEmpty() ? null : host.toLowerCase(Locale.ROOT);
  }
}
