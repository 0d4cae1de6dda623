package io.imgcdn.common.url;

import io.imgcdn.common.http.HttpError;
import java.util.regex.Pattern;

/**
 * A request path of the URL contract (docs/HTTP-API.md), parsed and validated: an original, a named
 * variant or a signed ad-hoc variant. Every tier parses the same way, so they agree on cache keys
 * and object keys.
 */
public sealed interface ImageUrl {
  /*
   * The cache key is the decoded path without the query string: a query cannot change an immutable image,
   * and keying on it would let anyone flood every cache tier with ?1, ?2, ... copies of one picture.
   * Keys are refused (400) when they could escape the bucket or mean two things at once: "." and ".."
   * segments, empty segments, an encoded slash (%2F: one key, two meanings), control characters,
   * malformed percent-encoding or UTF-8.
   * Length: a key is at most 1024 UTF-8 bytes (S3's own limit) and each of its segments at most 255 bytes
   * (NAME_MAX: MinIO and every store backed by a file system keep a segment as one file or directory name).
   * A longer segment is refused here with 400 rather than reaching the store, which answers 5xx for it:
   * otherwise any client could make every tier answer and log a server error at will.
   * Limitation, by contract: originals whose S3 key starts with "v/" or "t/" are not addressable, since
   * those prefixes name variants.
   */

  int MAX_KEY_BYTES = 1024;

  /**
   * Longest segment of an object key, in UTF-8 bytes: a file name (NAME_MAX) in file-system-backed
   * stores.
   */
  int MAX_KEY_SEGMENT_BYTES = 255;

  Pattern PRESET = Pattern.compile("[A-Za-z0-9_-]{1,32}");
  Pattern SIGNATURE = Pattern.compile("[A-Za-z0-9_-]{8,128}");
  Pattern OPTIONS = Pattern.compile("[A-Za-z0-9=,:._-]{1,256}");

  /** The S3 key of the original object, decoded. */
  String objectKey();

  /** The decoded path: the cache key. */
  String path();

  /** The path percent-encoded again, for requests to the next tier. */
  default String encodedPath() {
    return UrlCodec.encodePath(path());
  }

  /** {@code GET /{key}}. */
  record Original(String objectKey) implements ImageUrl {
    @Override
    public String path() {
      return "/" + objectKey;
    }
  }

  /** {@code GET /v/{preset}/{key}}. */
  record Preset(String preset, String objectKey) implements ImageUrl {
    @Override
    public String path() {
      return "/v/" + preset + "/" + objectKey;
    }
  }

  /** {@code GET /t/{signature}/{options}/{key}}. */
  record Signed(String signature, String options, String objectKey) implements ImageUrl {
    @Override
    public String path() {
      return "/t/" + signature + "/" + options + "/" + objectKey;
    }

    /** What the signature signs: options and key, so neither can be changed alone. */
    public String signedPart() {
      return options + "/" + objectKey;
    }
  }

  /**
   * Parses a request target such as {@code /v/w150/photos/cat%20one.jpg?x=1}.
   *
   * @throws HttpError 400 for a malformed or unsafe path, 404 for a path that names no object
   */
  static ImageUrl parse(String requestTarget) {
    requestTarget = originForm(requestTarget);
    if (requestTarget.isEmpty() || requestTarget.charAt(0) != '/') {
      throw HttpError.badRequest("request target must be an absolute path starting with '/'");
    }
    int query = requestTarget.indexOf('?');
    String rawPath = query < 0 ? requestTarget : requestTarget.substring(0, query);
    int fragment = rawPath.indexOf('#');
    if (fragment >= 0) {
      rawPath = rawPath.substring(0, fragment);
    }
    String path = UrlCodec.decodePath(rawPath);
    if (path.equals("/")) {
      throw HttpError.notFound("no object key in the path");
    }
    String[] segments = path.substring(1).split("/", -1);
    for (String segment : segments) {
      if (segment.isEmpty()) {
        throw HttpError.badRequest("empty path segment ('//' or a trailing '/')");
      }
      if (segment.equals(".") || segment.equals("..")) {
        throw HttpError.badRequest("'.' and '..' path segments are not allowed");
      }
    }
    return switch (segments[0]) {
      case "v" -> {
        if (segments.length < 3) {
          throw HttpError.notFound("variant path needs /v/{preset}/{key}");
        }
        if (!PRESET.matcher(segments[1]).matches()) {
          throw HttpError.badRequest("preset name must be 1-32 of [A-Za-z0-9_-]");
        }
        yield new Preset(segments[1], key(segments, 2));
      }
      case "t" -> {
        if (segments.length < 4) {
          throw HttpError.notFound("ad-hoc variant path needs /t/{signature}/{options}/{key}");
        }
        if (!SIGNATURE.matcher(segments[1]).matches()) {
          throw HttpError.badRequest("signature must be 8-128 of [A-Za-z0-9_-]");
        }
        if (!OPTIONS.matcher(segments[2]).matches()) {
          throw HttpError.badRequest("options must be 1-256 of [A-Za-z0-9=,:._-]");
        }
        yield new Signed(segments[1], segments[2], key(segments, 3));
      }
      default -> new Original(key(segments, 0));
    };
  }

  /**
   * The absolute-form {@code http://host/path?query} as its origin-form {@code /path?query}: RFC
   * 9112 section 3.2.2 says a server MUST accept the absolute-form. The authority is dropped: the
   * cache key is the path (every host name of the CDN serves the same bucket), and the next tier
   * gets the origin-form.
   */
  private static String originForm(String target) {
    int schemeEnd =
        target.regionMatches(true, 0, "http://", 0, 7)
            ? 7
            : target.regionMatches(true, 0, "https://", 0, 8) ? 8 : -1;
    if (schemeEnd < 0) {
      return target;
    }
    for (int i = schemeEnd; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c == '/') {
        return target.substring(i);
      }
      if (c == '?' || c == '#') {
        return "/" + target.substring(i);
      }
      if (!isAuthorityChar(c)) {
        throw HttpError.badRequest(
            "invalid character in the authority of an absolute-form request target");
      }
    }
    return "/";
  }

  /** RFC 3986 section 3.2: unreserved, pct-encoded, sub-delims, ':', '@', and '[' ']' for IPv6. */
  private static boolean isAuthorityChar(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || "-._~%!$&'()*+,;=:@[]".indexOf(c) >= 0;
  }

  private static String key(String[] segments, int from) {
    String key = String.join("/", java.util.Arrays.copyOfRange(segments, from, segments.length));
    if (UrlCodec.utf8Length(key) > MAX_KEY_BYTES) {
      throw HttpError.badRequest("object key longer than " + MAX_KEY_BYTES + " bytes");
    }
    for (int i = from; i < segments.length; i++) {
      if (UrlCodec.utf8Length(segments[i]) > MAX_KEY_SEGMENT_BYTES) {
        throw HttpError.badRequest(
            "object key segment longer than " + MAX_KEY_SEGMENT_BYTES + " bytes");
      }
    }
    return key;
  }
}
