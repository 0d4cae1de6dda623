package io.imgcdn.origin.options;

import io.imgcdn.common.http.AcceptClass;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * A thumbnail request in canonical form. {@code width}/{@code height} 0 = unconstrained on that
 * axis (not both). Never upscales: a box larger than the source yields the source size.
 *
 * <p>Options strings are comma-separated {@code key=value} pairs in any order:
 *
 * <table>
 *   <caption>Options</caption>
 *   <tr><th>key</th><th>value</th><th>default</th></tr>
 *   <tr><td>{@code w}</td><td>box width, 0..{@value #MAX_DIMENSION} (0 = any)</td><td>0</td></tr>
 *   <tr><td>{@code h}</td><td>box height, 0..{@value #MAX_DIMENSION} (0 = any)</td><td>0</td></tr>
 *   <tr><td>{@code fit}</td><td>{@code inside} or {@code cover} (cover needs w and h)</td>
 *       <td>inside</td></tr>
 *   <tr><td>{@code f}</td><td>{@code jpeg} ({@code jpg}), {@code png}, {@code webp}, {@code avif},
 *       {@code gif}; or a negotiation list such as {@code webp:jpeg} or {@code avif:webp:jpeg}
 *       (the last is the default, the others are offered when Accept names them); {@code auto} =
 *       {@code webp:jpeg}</td><td>jpeg</td></tr>
 *   <tr><td>{@code q}</td><td>encoder quality 1..100 (JPEG scale; used by JPEG, WebP and AVIF)</td>
 *       <td>{@value #DEFAULT_QUALITY}</td></tr>
 *   <tr><td>{@code bg}</td><td>background {@code RRGGBB} (6 hex digits) that transparent pixels are
 *       flattened onto where the output has no alpha (JPEG; GIF in the Java engine); WebP, AVIF
 *       and PNG keep the alpha</td><td>ffffff</td></tr>
 * </table>
 */
public record VariantSpec(
    int width,
    int height,
    Fit fit,
    OutputFormat format,
    int quality,
    Set<OutputFormat> alternatives,
    int background) {

  /*
   * Canonical form: the cache key of a variant (edge, shard and origin all key on it), so equal
   * specs must give byte-equal strings whatever order or spelling the request used. It always
   * lists keys in the order w, h, fit, f, q, bg, omits a 0 axis, and writes every other field,
   * defaults included, so that a later change of default cannot silently alias two different
   * variants; bg alone is written only when it is not white (the background every variant had
   * before bg existed), so the keys of every existing variant stay as they were.
   * parse(spec.canonical()) equals spec.
   *
   * The parser is strict (unknown or repeated keys, signs, leading '+', more than 5 digits are
   * errors) because options strings are attacker-controlled and each accepted spelling is one more
   * cache entry; only the canonical form should circulate.
   *
   * Negotiation: format is the default, the answer for every client; alternatives are the
   * negotiable formats (WebP, AVIF) the variant may answer with instead when the request's Accept
   * names them. A spec with alternatives is a family of representations, not one: the origin
   * reduces it per request (forAccept) and the engine renders the first candidate it can. The
   * canonical form writes the list as f=avif:webp:jpeg (alternatives in preference order, then the
   * default), so a non-negotiating spec keeps its old canonical string. "auto" means webp:jpeg and
   * not AVIF: AVIF costs several JPEG encodes (docs/ORIGIN.md), so it is named explicitly.
   */

  /**
   * Largest accepted box side; the engine's {@code ImageLimits.maxOutputDimension} may be lower.
   */
  public static final int MAX_DIMENSION = 16_384;

  /** JPEG/WebP quality when the options do not name one (imgproxy's default is 80; libvips 75). */
  public static final int DEFAULT_QUALITY = 82;

  /** The background (0xRRGGBB) JPEG output gets where the source has alpha, unless {@code bg=}. */
  public static final int DEFAULT_BACKGROUND = 0xFFFFFF;

  /** Validates every field; an invalid combination throws with the value and the expectation. */
  public VariantSpec {
    Objects.requireNonNull(fit, "fit");
    Objects.requireNonNull(format, "format");
    Objects.requireNonNull(alternatives, "alternatives");
    alternatives = alternatives.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(alternatives));
    for (OutputFormat alternative : alternatives) {
      if (!alternative.negotiable() || alternative == format) {
        throw new IllegalArgumentException(
            "alternatives: "
                + alternatives
                + " with f="
                + format.token()
                + " (expected: webp and/or avif, other than the default format)");
      }
    }
    if (width < 0 || width > MAX_DIMENSION) {
      throw new IllegalArgumentException("w: " + width + " (expected: 0.." + MAX_DIMENSION + ")");
    }
    if (height < 0 || height > MAX_DIMENSION) {
      throw new IllegalArgumentException("h: " + height + " (expected: 0.." + MAX_DIMENSION + ")");
    }
    if (width == 0 && height == 0) {
      throw new IllegalArgumentException("w and h are both 0 (expected: at least one of w, h > 0)");
    }
    if (fit == Fit.COVER && (width == 0 || height == 0)) {
      throw new IllegalArgumentException(
          "fit=cover with w=" + width + ", h=" + height + " (expected: both w and h > 0)");
    }
    if (quality < 1 || quality > 100) {
      throw new IllegalArgumentException("q: " + quality + " (expected: 1..100)");
    }
    if ((background & ~0xFFFFFF) != 0) {
      throw new IllegalArgumentException(
          "bg: " + Integer.toHexString(background) + " (expected: 0xRRGGBB)");
    }
  }

  /** A spec that answers with {@code format} only (no negotiation), on the white background. */
  public VariantSpec(int width, int height, Fit fit, OutputFormat format, int quality) {
    this(width, height, fit, format, quality, Set.of(), DEFAULT_BACKGROUND);
  }

  /** A width-bounded JPEG at the default quality, e.g. for a preset {@code w150}. */
  public static VariantSpec ofWidth(int width) {
    return new VariantSpec(width, 0, Fit.INSIDE, OutputFormat.JPEG, DEFAULT_QUALITY);
  }

  /** The same spec answering with {@code newFormat} only (e.g. the outcome of negotiation). */
  public VariantSpec withFormat(OutputFormat newFormat) {
    return new VariantSpec(width, height, fit, newFormat, quality, Set.of(), background);
  }

  /** The same spec flattening transparency onto {@code newBackground} (0xRRGGBB) for JPEG. */
  public VariantSpec withBackground(int newBackground) {
    return new VariantSpec(width, height, fit, format, quality, alternatives, newBackground);
  }

  /**
   * The same spec that may also answer with {@code newAlternatives} (WebP, AVIF) when the request
   * accepts them; empty = no negotiation.
   */
  public VariantSpec withAlternatives(Collection<OutputFormat> newAlternatives) {
    Set<OutputFormat> set = newAlternatives.isEmpty() ? Set.of() : EnumSet.copyOf(newAlternatives);
    return new VariantSpec(width, height, fit, format, quality, set, background);
  }

  /** Whether the answer depends on the request's Accept header ({@code Vary: Accept}). */
  public boolean negotiates() {
    return !alternatives.isEmpty();
  }

  /** The formats to try in order: AVIF, then WebP, when they are alternatives; the default last. */
  public List<OutputFormat> candidates() {
    List<OutputFormat> list = new ArrayList<>(3);
    for (OutputFormat f : NEGOTIATION_ORDER) {
      if (alternatives.contains(f)) {
        list.add(f);
      }
    }
    list.add(format);
    return list;
  }

  /**
   * This spec reduced to what one request may get: the alternatives its Accept names and {@code
   * writable} contains. Requests that would get the same answer reduce to equal specs (the origin
   * renders and coalesces on {@code canonical()} of the result).
   */
  public VariantSpec forAccept(AcceptClass accept, Set<OutputFormat> writable) {
    if (alternatives.isEmpty()) {
      return this;
    }
    EnumSet<OutputFormat> kept = EnumSet.noneOf(OutputFormat.class);
    for (OutputFormat f : alternatives) {
      boolean accepted = f == OutputFormat.AVIF ? accept.avif() : accept.webp();
      if (accepted && writable.contains(f)) {
        kept.add(f);
      }
    }
    return kept.equals(alternatives) ? this : withAlternatives(kept);
  }

  /** Preference order of the negotiable formats: the smaller files first (docs/ORIGIN.md). */
  private static final List<OutputFormat> NEGOTIATION_ORDER =
      List.of(OutputFormat.AVIF, OutputFormat.WEBP);

  /**
   * Parses an options string such as {@code "w=150"}, {@code "w=240,h=240,fit=cover"} or {@code
   * "w=600,q=80,f=png"}.
   *
   * @throws IllegalArgumentException naming the bad part and what is expected
   */
  public static VariantSpec parse(String options) {
    if (options == null || options.isEmpty()) {
      throw new IllegalArgumentException(
          "options: empty (expected: comma-separated key=value, e.g. w=150 or"
              + " w=240,h=240,fit=cover)");
    }
    int width = -1;
    int height = -1;
    Fit fit = null;
    OutputFormat format = null;
    Set<OutputFormat> alternatives = Set.of();
    int quality = -1;
    int background = -1;
    for (String part : options.split(",", -1)) {
      int eq = part.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(
            "options: '"
                + part
                + "' in '"
                + options
                + "' (expected: key=value with key w, h, fit, f, q or bg)");
      }
      String key = part.substring(0, eq);
      String value = part.substring(eq + 1);
      switch (key) {
        case "w" -> {
          requireFirst(width < 0, key, options);
          width = parseInt(key, value, 0, MAX_DIMENSION);
        }
        case "h" -> {
          requireFirst(height < 0, key, options);
          height = parseInt(key, value, 0, MAX_DIMENSION);
        }
        case "fit" -> {
          requireFirst(fit == null, key, options);
          fit = Fit.parse(value);
        }
        case "f" -> {
          requireFirst(format == null, key, options);
          String list = value.equalsIgnoreCase("auto") ? "webp:jpeg" : value;
          int colon = list.lastIndexOf(':');
          format = OutputFormat.parse(list.substring(colon + 1));
          alternatives = colon < 0 ? Set.of() : parseAlternatives(list.substring(0, colon), value);
        }
        case "q" -> {
          requireFirst(quality < 0, key, options);
          quality = parseInt(key, value, 1, 100);
        }
        case "bg" -> {
          requireFirst(background < 0, key, options);
          background = parseRgb(key, value);
        }
        default ->
            throw new IllegalArgumentException(
                "options: unknown key '"
                    + key
                    + "' in '"
                    + options
                    + "' (expected: w, h, fit, f, q or bg)");
      }
    }
    return new VariantSpec(
        Math.max(width, 0),
        Math.max(height, 0),
        fit == null ? Fit.INSIDE : fit,
        format == null ? OutputFormat.JPEG : format,
        quality < 0 ? DEFAULT_QUALITY : quality,
        alternatives,
        background < 0 ? DEFAULT_BACKGROUND : background);
  }

  /** Parses the {@code avif:webp} part of {@code f=avif:webp:jpeg}. */
  private static Set<OutputFormat> parseAlternatives(String list, String value) {
    EnumSet<OutputFormat> set = EnumSet.noneOf(OutputFormat.class);
    for (String token : list.split(":", -1)) {
      OutputFormat f = OutputFormat.parse(token);
      if (!f.negotiable() || !set.add(f)) {
        throw new IllegalArgumentException(
            "f: '"
                + value
                + "' (expected: one format, or webp and/or avif "
                + "each at most once followed by the default, e.g. avif:webp:jpeg; or auto)");
      }
    }
    return set;
  }

  /**
   * Parses a preset's list of negotiable formats, e.g. {@code "avif,webp"} (the key {@code
   * origin.preset.NAME.formats}); empty means none.
   *
   * @throws IllegalArgumentException naming the bad entry and what is expected
   */
  public static Set<OutputFormat> parseFormatList(String list) {
    EnumSet<OutputFormat> set = EnumSet.noneOf(OutputFormat.class);
    if (list.isBlank()) {
      return set;
    }
    for (String token : list.split(",", -1)) {
      OutputFormat f = OutputFormat.parse(token.strip());
      if (!f.negotiable()) {
        throw new IllegalArgumentException(
            "format '"
                + token.strip()
                + "' in '"
                + list
                + "' (expected: webp and/or avif; the default format is set with f= in the"
                + " preset)");
      }
      set.add(f);
    }
    return set;
  }

  /** A stable form, e.g. {@code w=240,h=240,fit=cover,f=jpeg,q=82}: same spec, same string. */
  public String canonical() {
    StringBuilder sb = new StringBuilder(40);
    if (width > 0) {
      sb.append("w=").append(width).append(',');
    }
    if (height > 0) {
      sb.append("h=").append(height).append(',');
    }
    sb.append("fit=").append(fit.token()).append(",f=").append(formats()).append(",q=");
    sb.append(quality);
    if (background != DEFAULT_BACKGROUND) {
      sb.append(",bg=").append(String.format(Locale.ROOT, "%06x", background));
    }
    return sb.toString();
  }

  /**
   * The {@code f} value of the canonical form: {@code jpeg}, or the candidates, e.g. {@code
   * avif:webp:jpeg}.
   */
  public String formats() {
    if (alternatives.isEmpty()) {
      return format.token();
    }
    StringBuilder sb = new StringBuilder(16);
    for (OutputFormat f : candidates()) {
      sb.append(sb.isEmpty() ? "" : ":").append(f.token());
    }
    return sb.toString();
  }

  private static void requireFirst(boolean first, String key, String options) {
    if (!first) {
      throw new IllegalArgumentException(
          "options: key '"
              + key
              + "' repeated in '"
              + options
              + "' (expected: each key at most once)");
    }
  }

  /** Exactly six hex digits, either case (canonical: lower case). */
  private static int parseRgb(String key, String value) {
    boolean hex = value.length() == 6;
    for (int i = 0; hex && i < 6; i++) {
      char c = value.charAt(i);
      hex = c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }
    if (!hex) {
      throw new IllegalArgumentException(
          key + ": '" + value + "' (expected: a colour as 6 hex digits RRGGBB, e.g. 000000)");
    }
    return Integer.parseInt(value, 16);
  }

  private static int parseInt(String key, String value, int min, int max) {
    boolean digits = !value.isEmpty() && value.length() <= 5;
    for (int i = 0; digits && i < value.length(); i++) {
      char c = value.charAt(i);
      digits = c >= '0' && c <= '9';
    }
    int n = digits ? Integer.parseInt(value) : -1;
    if (!digits || n < min || n > max) {
      throw new IllegalArgumentException(
          key + ": '" + value + "' (expected: an integer " + min + ".." + max + ")");
    }
    return n;
  }
}
