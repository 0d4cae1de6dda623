package io.imgcdn.origin.config;

import io.imgcdn.common.config.NodeSettings;
import io.imgcdn.common.config.Settings;
import io.imgcdn.common.http.ServerOptions;
import io.imgcdn.origin.options.VariantSpec;
import io.imgcdn.origin.processing.ImageEngines;
import io.imgcdn.origin.security.ImageLimits;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Configuration of an origin-thumb node.
 *
 * <table>
 *   <tr><th>key</th><th>default</th><th>meaning</th></tr>
 *   <tr><td>origin.s3.endpoint</td><td>(AWS)</td><td>S3 endpoint URL; set it for any S3-compatible store</td></tr>
 *   <tr><td>origin.s3.region</td><td>us-east-1</td><td>signing region</td></tr>
 *   <tr><td>origin.s3.bucket</td><td>(required)</td><td>the only bucket read</td></tr>
 *   <tr><td>origin.s3.prefix</td><td>""</td><td>prepended to every object key; nothing outside it is read</td></tr>
 *   <tr><td>origin.s3.access-key, origin.s3.secret-key</td><td>(default chain)</td><td>static credentials</td></tr>
 *   <tr><td>origin.s3.path-style</td><td>true</td><td>path-style addressing (S3-compatible stores)</td></tr>
 *   <tr><td>origin.s3.max-connections</td><td>64</td><td>S3 connection pool size</td></tr>
 *   <tr><td>origin.s3.timeout</td><td>5s</td><td>how long S3 may stay silent: until its response head
 *       (the SDK's retries included) and between body bytes; a body that keeps flowing is bounded only by
 *       the request's deadline</td></tr>
 *   <tr><td>origin.s3.breaker.timeouts</td><td>5</td><td>consecutive S3 timeouts after which S3 calls are
 *       refused at once (503) for origin.s3.breaker.open-for, then one is let through as a probe; 0 off</td></tr>
 *   <tr><td>origin.s3.breaker.open-for</td><td>5s</td><td>how long the S3 circuit stays open before a probe</td></tr>
 *   <tr><td>origin.error-max-age</td><td>60s</td><td>how long a client may keep a 4xx this origin answers (a
 *       damaged or unsupported source, an unknown preset, a missing original...): Cache-Control: public,
 *       max-age of it; 0 = no-store. 5xx are always no-store</td></tr>
 *   <tr><td>origin.deadline</td><td>15s</td><td>the most one request may take here (its S3 GET and image
 *       job); a caller's X-Imgcdn-Deadline lowers it, never raises it</td></tr>
 *   <tr><td>origin.preset.NAME</td><td>w150, w600, w1200, sq240</td><td>named variants, e.g. origin.preset.w150=w=150;
 *       presets set here are added to the defaults (and may redefine one of them)</td></tr>
 *   <tr><td>origin.preset.defaults</td><td>true</td><td>false drops the four default presets, leaving only
 *       those set here</td></tr>
 *   <tr><td>origin.preset.NAME.formats</td><td>""</td><td>formats the preset may answer with instead of its
 *       default when the request's Accept names them: webp and/or avif, e.g. avif,webp. Its responses then
 *       carry Vary: Accept (docs/ORIGIN.md)</td></tr>
 *   <tr><td>origin.avif-effort</td><td>2</td><td>libvips AVIF encoder effort, 0 (fastest) .. 9 (smallest
 *       files); libvips's own default 4 costs about 3x effort 2 per thumbnail (docs/ORIGIN.md)</td></tr>
 *   <tr><td>origin.unwritable-format</td><td>fallback</td><td>a negotiated format the engine cannot write (the
 *       Java engine: WebP, AVIF): fallback = answer with the default format, refuse = 406</td></tr>
 *   <tr><td>origin.signing-key</td><td>""</td><td>HMAC key for /t/ URLs (16+ bytes); empty refuses /t/ with 403</td></tr>
 *   <tr><td>origin.engine</td><td>auto</td><td>auto (libvips when installed, else java), java or libvips</td></tr>
 *   <tr><td>origin.workers</td><td>cores</td><td>image threads</td></tr>
 *   <tr><td>origin.queue</td><td>64</td><td>image jobs waiting; beyond it 503 with Retry-After</td></tr>
 *   <tr><td>origin.job-timeout</td><td>15s</td><td>deadline of one image job</td></tr>
 *   <tr><td>origin.originals-cache-bytes</td><td>128m</td><td>recent originals kept to make the next variants</td></tr>
 *   <tr><td>origin.max-source-bytes</td><td>32m</td><td>largest original accepted</td></tr>
 *   <tr><td>origin.max-source-pixels</td><td>50000000</td><td>largest width x height decoded (checked from the header)</td></tr>
 *   <tr><td>server.idle-timeout, server.request-timeout, server.max-connections, server.max-pipelined</td>
 *       <td>see ServerOptions</td><td>limits of the serving port (idle and slow clients, connection cap)</td></tr>
 * </table>
 */
public record OriginConfig(
    NodeSettings node,
    String s3Endpoint,
    String s3Region,
    String s3Bucket,
    String s3Prefix,
    String s3AccessKey,
    String s3SecretKey,
    boolean s3PathStyle,
    int s3MaxConnections,
    Duration s3Timeout,
    int s3BreakerTimeouts,
    Duration s3BreakerOpenFor,
    Duration deadline,
    Duration errorMaxAge,
    Map<String, VariantSpec> presets,
    boolean refuseUnwritableFormat,
    int avifEffort,
    byte[] signingKey,
    String engine,
    int workers,
    int queue,
    Duration jobTimeout,
    long originalsCacheBytes,
    ImageLimits limits,
    ServerOptions server) {

  public static final Map<String, String> DEFAULT_PRESETS = defaultPresets();
  private static final String FORMATS_SUFFIX = ".formats";
  private static final String DEFAULTS_NAME = "defaults";
  private static final String DEFAULTS_KEY = "origin.preset." + DEFAULTS_NAME;

  private static Map<String, String> defaultPresets() {
    Map<String, String> p = new LinkedHashMap<>();
    p.put("w150", "w=150");
    p.put("w600", "w=600");
    p.put("w1200", "w=1200");
    p.put("sq240", "w=240,h=240,fit=cover");
    return p;
  }

  /** origin.error-max-age: a duration, 0 included (no-store), under a year (never immutable). */
  private static Duration errorMaxAge(Settings s) {
    String raw = s.string("origin.error-max-age", "60s");
    try {
      Duration value = Settings.parseDuration(raw);
      if (value.compareTo(Duration.ofDays(365)) >= 0) {
        s.problem("origin.error-max-age", raw + " (expected: under a year; errors are not final)");
      }
      return value;
    } catch (IllegalArgumentException e) {
      s.problem("origin.error-max-age", "'" + raw + "' (expected: a duration such as 0s, 60s, 5m)");
      return Duration.ofSeconds(60);
    }
  }

  /**
   * Reads and validates; call {@code settings.finish()} afterwards to report every problem at once.
   */
  public static OriginConfig from(Settings s) {
    NodeSettings node = NodeSettings.from(s, "origin-1", 8090, 9090);
    Map<String, String> rawPresets = new LinkedHashMap<>();
    Map<String, String> formatLists = new LinkedHashMap<>();
    // The defaults stay beside presets of one's own unless switched off: a node that adds w600b
    // must still answer (and configure, e.g. w600.formats) the w600 its clients use.
    boolean keepDefaults = s.bool(DEFAULTS_KEY, true);
    if (keepDefaults) {
      rawPresets.putAll(DEFAULT_PRESETS);
    }
    s.withPrefix("origin.preset.")
        .forEach(
            (name, value) -> {
              if (name.equals(DEFAULTS_NAME)) {
                return; // origin.preset.defaults, read above
              } else if (name.endsWith(FORMATS_SUFFIX)) {
                formatLists.put(name.substring(0, name.length() - FORMATS_SUFFIX.length()), value);
              } else {
                rawPresets.put(name, value);
              }
            });
    if (rawPresets.isEmpty()) {
      s.problem(
          DEFAULTS_KEY,
          "false and no origin.preset.NAME set (expected: at least one preset, e.g."
              + " origin.preset.w150=w=150)");
    }
    Map<String, VariantSpec> presets = new LinkedHashMap<>();
    rawPresets.forEach(
        (name, options) -> {
          if (!name.matches("[A-Za-z0-9_-]{1,32}")) {
            s.problem("origin.preset." + name, "preset name must be 1-32 of [A-Za-z0-9_-]");
            return;
          }
          try {
            presets.put(name, VariantSpec.parse(options));
          } catch (IllegalArgumentException e) {
            s.problem("origin.preset." + name, "'" + options + "': " + e.getMessage());
          }
        });
    formatLists.forEach(
        (name, list) -> {
          String key = "origin.preset." + name + FORMATS_SUFFIX;
          VariantSpec spec = presets.get(name);
          if (spec == null) {
            if (!rawPresets.containsKey(name)) {
              s.problem(
                  key,
                  "no preset "
                      + name
                      + (!keepDefaults && DEFAULT_PRESETS.containsKey(name)
                          ? " (a default preset, switched off by " + DEFAULTS_KEY + "=false)"
                          : " (no origin.preset." + name + " is set)")
                      + "; presets: "
                      + String.join(", ", rawPresets.keySet()));
            }
            return;
          }
          try {
            presets.put(name, spec.withAlternatives(VariantSpec.parseFormatList(list)));
          } catch (IllegalArgumentException e) {
            s.problem(key, String.valueOf(e.getMessage()));
          }
        });
    String unwritable = s.string("origin.unwritable-format", "fallback");
    if (!unwritable.equals("fallback") && !unwritable.equals("refuse")) {
      s.problem("origin.unwritable-format", "'" + unwritable + "' (expected: fallback or refuse)");
    }
    String engine = s.string("origin.engine", "auto");
    if (!engine.equals("auto") && !engine.equals("java") && !engine.equals("libvips")) {
      s.problem("origin.engine", "'" + engine + "' (expected: auto, java or libvips)");
    }
    String signingKey = s.string("origin.signing-key", "");
    if (!signingKey.isEmpty() && signingKey.getBytes(StandardCharsets.UTF_8).length < 16) {
      s.problem("origin.signing-key", "too short (expected: at least 16 bytes)");
    }
    ImageLimits defaults = ImageLimits.defaults();
    long maxSourceBytes = s.bytes("origin.max-source-bytes", "32m", 1024);
    long maxPixels =
        s.bytes("origin.max-source-pixels", String.valueOf(defaults.maxSourcePixels()), 1);
    String accessKey = s.string("origin.s3.access-key", "");
    String secretKey = s.string("origin.s3.secret-key", "");
    if (accessKey.isEmpty() != secretKey.isEmpty()) {
      s.problem(
          "origin.s3.secret-key",
          "set both origin.s3.access-key and origin.s3.secret-key, or neither");
    }
    String prefix = s.string("origin.s3.prefix", "");
    if (prefix.startsWith("/") || prefix.contains("..")) {
      s.problem(
          "origin.s3.prefix",
          "'" + prefix + "' (expected: a key prefix without a leading '/' or '..')");
    }
    return new OriginConfig(
        node,
        s.string("origin.s3.endpoint", ""),
        s.string("origin.s3.region", "us-east-1"),
        s.required("origin.s3.bucket"),
        prefix,
        accessKey,
        secretKey,
        s.bool("origin.s3.path-style", true),
        s.integer("origin.s3.max-connections", 64, 1, 10_000),
        s.duration("origin.s3.timeout", "5s"),
        s.integer("origin.s3.breaker.timeouts", 5, 0, 1_000_000),
        s.duration("origin.s3.breaker.open-for", "5s"),
        s.duration("origin.deadline", "15s"),
        errorMaxAge(s),
        Map.copyOf(presets),
        unwritable.equals("refuse"),
        s.integer("origin.avif-effort", ImageEngines.DEFAULT_AVIF_EFFORT, 0, 9),
        signingKey.getBytes(StandardCharsets.UTF_8),
        engine,
        s.integer("origin.workers", Runtime.getRuntime().availableProcessors(), 1, 1024),
        s.integer("origin.queue", 64, 1, 1_000_000),
        s.duration("origin.job-timeout", "15s"),
        s.bytes("origin.originals-cache-bytes", "128m", 0),
        new ImageLimits(
            maxSourceBytes, maxPixels, defaults.maxOutputDimension(), defaults.maxFrames()),
        ServerOptions.from(s));
  }
}
