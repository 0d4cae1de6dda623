package io.imgcdn.edge.policy;

import io.imgcdn.common.config.Settings;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the edge adds to and checks on every response, per key prefix: CORS, nosniff, a CSP for
 * media, active content as attachments (or refused), operator headers, and hotlink protection by
 * Referer. Built once from the settings; {@link #forPath} picks the rule of a request.
 *
 * <table>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>edge.policy.allow-origin</td><td>*</td><td>Access-Control-Allow-Origin; empty: none</td></tr>
 *   <tr><td>edge.policy.csp</td><td>default-src 'none'; form-action 'none'; sandbox</td><td>Content-Security-Policy
 *       of every response; empty: none</td></tr>
 *   <tr><td>edge.policy.active-content</td><td>attachment</td><td>a 2xx whose type is not on the media list:
 *       attachment (Content-Disposition: attachment) or refuse (403)</td></tr>
 *   <tr><td>edge.policy.media-types</td><td>images, audio, video, text/plain, application/octet-stream</td><td>
 *       types served inline</td></tr>
 *   <tr><td>edge.policy.referers</td><td>""</td><td>hotlink protection: host names (*.example.com for
 *       subdomains) whose pages may embed; empty: any</td></tr>
 *   <tr><td>edge.policy.empty-referer</td><td>allow</td><td>allow or deny requests without a Referer while
 *       referers is set</td></tr>
 *   <tr><td>edge.policy.prefix.NAME.match</td><td></td><td>a key prefix (media_attachments/); the longest
 *       match's settings replace the global ones above</td></tr>
 *   <tr><td>edge.policy.prefix.NAME.{allow-origin,referers,empty-referer}</td><td>global</td><td>as above</td></tr>
 *   <tr><td>edge.policy.prefix.NAME.headers</td><td>""</td><td>extra headers: Name: value; Name2: value2</td></tr>
 * </table>
 */
public final class ResponsePolicy {
  /*
   * Why these defaults: a media host serves files uploaded by anyone from its own origin. nosniff stops a
   * browser from running a "picture" that sniffs as HTML; the CSP (Mastodon's nginx recipe, plus sandbox)
   * stops an SVG or HTML opened directly from running script or posting forms; any other type that a
   * browser would render actively is sent as a download. CORS "*" is what Mastodon's documentation requires
   * of its media host (pictures drawn into canvases, fetch()).
   */
  public static final String PREFIX = "edge.policy.";

  static final String DEFAULT_CSP = "default-src 'none'; form-action 'none'; sandbox";
  static final String DEFAULT_MEDIA_TYPES =
      "image/jpeg, image/png, image/gif, image/webp, image/avif, image/jxl, image/heic, image/bmp,"
          + " image/x-icon, video/mp4, video/webm, video/ogg, video/quicktime, audio/mpeg,"
          + " audio/mp4, audio/ogg, audio/webm, audio/wav, audio/flac, audio/opus, text/plain,"
          + " application/octet-stream";

  /** What happens to a 2xx of a type that is not media. */
  public enum ActiveContent {
    ATTACHMENT,
    REFUSE
  }

  private final Rule global;

  /** Rules by prefix, longest prefix first. */
  private final List<Rule> byPrefix;

  private ResponsePolicy(Rule global, List<Rule> byPrefix) {
    this.global = global;
    this.byPrefix = byPrefix;
  }

  /** The defaults: CORS *, nosniff, the CSP, active content as attachments, no hotlink check. */
  public static ResponsePolicy defaults() {
    return from(Settings.of(Map.of()));
  }

  public static ResponsePolicy from(Settings s) {
    ActiveContent active = ActiveContent.ATTACHMENT;
    String rawActive = s.string(PREFIX + "active-content", "attachment").strip();
    switch (rawActive.toLowerCase(Locale.ROOT)) {
      case "attachment" -> active = ActiveContent.ATTACHMENT;
      case "refuse" -> active = ActiveContent.REFUSE;
      default ->
          s.problem(
              PREFIX + "active-content", "'" + rawActive + "' (expected: attachment or refuse)");
    }
    Set<String> media = new HashSet<>();
    for (String t : s.string(PREFIX + "media-types", DEFAULT_MEDIA_TYPES).split(",")) {
      if (!t.isBlank()) {
        media.add(t.strip().toLowerCase(Locale.ROOT));
      }
    }
    String csp = s.string(PREFIX + "csp", DEFAULT_CSP).strip();
    Map<String, String> globalValues = new TreeMap<>();
    for (String key : List.of("allow-origin", "referers", "empty-referer")) {
      globalValues.put(key, s.string(PREFIX + key, key.equals("allow-origin") ? "*" : ""));
    }
    MediaTypes types = new MediaTypes(active, Set.copyOf(media));
    Rule global = Rule.of(s, PREFIX, "", globalValues, Map.of(), csp, types);
    Map<String, Map<String, String>> named = new TreeMap<>();
    s.withPrefix(PREFIX + "prefix.")
        .forEach(
            (rest, value) -> {
              int dot = rest.lastIndexOf('.');
              if (dot <= 0) {
                s.problem(PREFIX + "prefix." + rest, "unknown key (expected: prefix.NAME.SETTING)");
                return;
              }
              named
                  .computeIfAbsent(rest.substring(0, dot), n -> new TreeMap<>())
                  .put(rest.substring(dot + 1), value);
            });
    List<Rule> rules = new ArrayList<>();
    named.forEach(
        (name, values) -> {
          String key = PREFIX + "prefix." + name + ".";
          for (String setting : values.keySet()) {
            if (!List.of("match", "allow-origin", "referers", "empty-referer", "headers")
                .contains(setting)) {
              s.problem(
                  key + setting,
                  "unknown setting (expected: match, allow-origin, referers,"
                      + " empty-referer or headers)");
            }
          }
          Map<String, String> extra =
              headers(s, key + "headers", values.getOrDefault("headers", ""));
          String match = values.get("match");
          if (match == null || match.isBlank()) {
            s.problem(key + "match", "missing (expected: a key prefix, e.g. media_attachments/)");
            return;
          }
          Map<String, String> merged = new TreeMap<>(globalValues);
          for (String k : List.of("allow-origin", "referers", "empty-referer")) {
            if (values.containsKey(k)) {
              merged.put(k, values.get(k));
            }
          }
          rules.add(
              Rule.of(
                  s,
                  key,
                  match.strip().startsWith("/") ? match.strip().substring(1) : match.strip(),
                  merged,
                  extra,
                  csp,
                  types));
        });
    rules.sort(Comparator.comparingInt((Rule r) -> r.prefix().length()).reversed());
    return new ResponsePolicy(global, List.copyOf(rules));
  }

  /** "Name: value; Name2: value2", each name a token and each value printable. */
  private static Map<String, String> headers(Settings s, String key, String raw) {
    Map<String, String> headers = new LinkedHashMap<>();
    for (String field : raw.split(";")) {
      if (field.isBlank()) {
        continue;
      }
      int colon = field.indexOf(':');
      String name = colon < 0 ? "" : field.substring(0, colon).strip();
      String value = colon < 0 ? "" : field.substring(colon + 1).strip();
      if (name.isEmpty() || !name.chars().allMatch(ResponsePolicy::tokenChar)) {
        s.problem(key, "'" + field.strip() + "' (expected: Name: value; Name2: value2)");
        continue;
      }
      if (!value.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
        s.problem(key, "value of " + name + " has characters outside printable ASCII");
        continue;
      }
      headers.put(name, value);
    }
    return headers;
  }

  private static boolean tokenChar(int c) {
    return c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0;
  }

  /**
   * This policy with one more header on every response of every rule (HTTPS's Alt-Svc): a policy of
   * its own, this one unchanged.
   */
  public ResponsePolicy withHeader(String name, String value) {
    List<Rule> rules = new java.util.ArrayList<>(byPrefix.size());
    for (Rule r : byPrefix) {
      rules.add(r.withHeader(name, value));
    }
    return new ResponsePolicy(global.withHeader(name, value), List.copyOf(rules));
  }

  /**
   * The rule for a request path ("/media_attachments/..." or the raw target; a query is ignored):
   * the longest matching prefix's, else the global one.
   */
  public Rule forPath(String path) {
    if (byPrefix.isEmpty()) {
      return global;
    }
    int start = path.startsWith("/") ? 1 : 0;
    for (Rule r : byPrefix) {
      if (path.startsWith(r.prefix(), start)) {
        return r;
      }
    }
    return global;
  }

  /** The active-content setting and the media list, shared by every rule. */
  record MediaTypes(ActiveContent activeContent, Set<String> media) {
    /** Whether {@code contentType} (parameters ignored) is on the media list. */
    boolean isMedia(String contentType) {
      if (media.contains(contentType)) {
        return true; // the usual case: no parameters, already lower case
      }
      int semi = contentType.indexOf(';');
      String bare = (semi < 0 ? contentType : contentType.substring(0, semi)).strip();
      return media.contains(bare.toLowerCase(Locale.ROOT));
    }
  }
}
