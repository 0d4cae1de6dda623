package io.imgcdn.common.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Turns a {@link Reply} into the HTTP response a browser expects: conditional requests (304),
 * single byte ranges (206/416), HEAD without a body, and the ETag, Cache-Control, Date and X-Cache
 * headers.
 */
public final class ObjectResponses {
  /*
   * The body buffer wraps the object's array (no copy per response). Range handling follows RFC 9110
   * section 14: one range is served as 206; several ranges are answered with the whole object (allowed,
   * and it keeps multipart/byteranges out of the hot path); If-Range with a different ETag means "send it
   * all". If-None-Match uses the weak comparison (section 13.1.2) and wins over Range.
   */
  public static final String X_CACHE = "X-Cache";

  private ObjectResponses() {}

  public static FullHttpResponse toResponse(
      HttpMethod method, HttpHeaders requestHeaders, Reply reply) {
    ImageObject object = reply.object();
    if (!reply.isOk()) {
      return build(reply.status(), method, object, 0, object.length(), reply.xCache());
    }
    String ifNoneMatch = requestHeaders.get(HttpHeaderNames.IF_NONE_MATCH);
    if (ifNoneMatch != null && etagMatches(ifNoneMatch, object.etag())) {
      FullHttpResponse notModified =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED, Unpooled.EMPTY_BUFFER);
      HttpHeaders h = notModified.headers();
      h.set(HttpHeaderNames.ETAG, object.etag());
      h.set(HttpHeaderNames.CACHE_CONTROL, object.cacheControl());
      h.set(HttpHeaderNames.DATE, HttpDates.now());
      h.set(X_CACHE, reply.xCache());
      return notModified;
    }
    String range = requestHeaders.get(HttpHeaderNames.RANGE);
    if (range != null
        && ifRangeAllows(requestHeaders.get(HttpHeaderNames.IF_RANGE), object.etag())) {
      ByteRange parsed = ByteRange.parse(range, object.length());
      if (parsed == ByteRange.UNSATISFIABLE) {
        FullHttpResponse response =
            build(
                HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                method,
                Reply.error(
                        HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                        "range not satisfiable",
                        "")
                    .object(),
                0,
                22,
                reply.xCache());
        response.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + object.length());
        return response;
      }
      if (parsed != null) {
        FullHttpResponse response =
            build(
                HttpResponseStatus.PARTIAL_CONTENT,
                method,
                object,
                (int) parsed.first(),
                (int) parsed.length(),
                reply.xCache());
        response
            .headers()
            .set(
                HttpHeaderNames.CONTENT_RANGE,
                "bytes " + parsed.first() + "-" + parsed.last() + "/" + object.length());
        return response;
      }
    }
    return build(HttpResponseStatus.OK, method, object, 0, object.length(), reply.xCache());
  }

  private static FullHttpResponse build(
      HttpResponseStatus status,
      HttpMethod method,
      ImageObject object,
      int offset,
      int length,
      String xCache) {
    ByteBuf body =
        HttpMethod.HEAD.equals(method) || length == 0
            ? Unpooled.EMPTY_BUFFER
            : Unpooled.wrappedBuffer(object.body(), offset, length);
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
    HttpHeaders h = response.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, object.contentType());
    h.setInt(HttpHeaderNames.CONTENT_LENGTH, length);
    if (!object.etag().isEmpty()) {
      h.set(HttpHeaderNames.ETAG, object.etag());
    }
    h.set(HttpHeaderNames.CACHE_CONTROL, object.cacheControl());
    if (status.code() == 200 || status.code() == 206) {
      h.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
    }
    h.set(HttpHeaderNames.DATE, HttpDates.now());
    if (xCache != null && !xCache.isEmpty()) {
      h.set(X_CACHE, xCache);
    }
    return response;
  }

  /**
   * Says what happens to the connection after this response: {@code Connection: close} when the
   * handler will close it, {@code Connection: keep-alive} for an HTTP/1.0 client that keeps it (RFC
   * 9112 section 9.3), nothing for HTTP/1.1 (persistent by default).
   */
  public static void setConnection(HttpHeaders h, ResponseChannel out) {
    if (!out.keepAlive()) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (!out.protocolVersion().isKeepAliveDefault()) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
  }

  /**
   * Weak comparison of an If-None-Match list ("*", or comma-separated, possibly W/-prefixed tags).
   */
  public static boolean etagMatches(String ifNoneMatch, String etag) {
    if (etag.isEmpty()) {
      return false;
    }
    String bare = stripWeak(etag);
    for (String candidate : ifNoneMatch.split(",")) {
      String c = candidate.trim();
      if (c.equals("*") || stripWeak(c).equals(bare)) {
        return true;
      }
    }
    return false;
  }

  public static boolean ifRangeAllows(String ifRange, String etag) {
    // If-Range needs a strong match; a date-valued If-Range cannot match our ETag-only validators.
    return ifRange == null || (!ifRange.startsWith("W/") && ifRange.trim().equals(etag));
  }

  private static String stripWeak(String tag) {
    return tag.startsWith("W/") ? tag.substring(2) : tag;
  }
}
