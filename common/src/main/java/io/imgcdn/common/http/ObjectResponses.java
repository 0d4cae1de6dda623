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
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * Turns a {@link Reply} into the HTTP response a browser expects, as {@link ConditionalRequest}
 * decides (200, 206, 304, 412, 416; HEAD without a body); and the header lines every tier's
 * response writers share: the representation's (ETag, Last-Modified, Cache-Control...) and the
 * whole of the answers that carry none of its bytes.
 */
public final class ObjectResponses {
  /*
   * The body buffer wraps the object's array (no copy per response). The decision itself (which status,
   * which bytes) is ConditionalRequest's; this class only writes it down, once for every tier.
   */
  public static final String X_CACHE = "X-Cache";

  private static final String TEXT_PLAIN = "text/plain; charset=utf-8";
  private static final byte[] RANGE_NOT_SATISFIABLE =
      "range not satisfiable\n".getBytes(StandardCharsets.US_ASCII);

  private ObjectResponses() {}

  public static FullHttpResponse toResponse(
      HttpMethod method, HttpHeaders requestHeaders, Reply reply) {
    ImageObject object = reply.object();
    if (!reply.isOk()) {
      return error(reply.status(), method, object, reply.xCache());
    }
    ConditionalRequest.Decision decision =
        ConditionalRequest.evaluate(
            method, requestHeaders, object.etag(), object.lastModified(), object.length());
    if (!decision.sendsRepresentation()) {
      return withoutRepresentation(
          decision,
          method,
          object.etag(),
          object.lastModified(),
          object.cacheControl(),
          null,
          object.length(),
          reply.xCache());
    }
    int length = (int) decision.length(object.length());
    ByteBuf body =
        HttpMethod.HEAD.equals(method) || length == 0
            ? Unpooled.EMPTY_BUFFER
            : Unpooled.wrappedBuffer(object.body(), (int) decision.first(), length);
    FullHttpResponse response =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, decision.status(), body);
    HttpHeaders h = response.headers();
    representationHeaders(
        h,
        decision,
        object.length(),
        object.contentType(),
        object.etag(),
        object.lastModified(),
        object.cacheControl());
    h.set(HttpHeaderNames.DATE, HttpDates.now());
    setXCache(h, reply.xCache());
    return response;
  }

  /** An error reply: its one-line text and its own headers, never a range of it. */
  private static FullHttpResponse error(
      HttpResponseStatus status, HttpMethod method, ImageObject object, String xCache) {
    ByteBuf body =
        HttpMethod.HEAD.equals(method) || object.length() == 0
            ? Unpooled.EMPTY_BUFFER
            : Unpooled.wrappedBuffer(object.body());
    FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
    HttpHeaders h = response.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, object.contentType());
    h.setInt(HttpHeaderNames.CONTENT_LENGTH, object.length());
    h.set(HttpHeaderNames.CACHE_CONTROL, object.cacheControl());
    h.set(HttpHeaderNames.DATE, HttpDates.now());
    setXCache(h, xCache);
    return response;
  }

  /**
   * The lines of a 200 or 206 head that describe the representation of {@code length} bytes:
   * Content-Type, Content-Length (of what is sent), Content-Range (206), ETag and Last-Modified
   * (when it has them), Cache-Control and Accept-Ranges.
   */
  public static void representationHeaders(
      HttpHeaders h,
      ConditionalRequest.Decision decision,
      long length,
      String contentType,
      String etag,
      String lastModified,
      String cacheControl) {
    h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
    h.set(HttpHeaderNames.CONTENT_LENGTH, decision.length(length));
    String contentRange = decision.contentRange(length);
    if (contentRange != null) {
      h.set(HttpHeaderNames.CONTENT_RANGE, contentRange);
    }
    if (!etag.isEmpty()) {
      h.set(HttpHeaderNames.ETAG, etag);
    }
    if (!lastModified.isEmpty()) {
      h.set(HttpHeaderNames.LAST_MODIFIED, lastModified);
    }
    h.set(HttpHeaderNames.CACHE_CONTROL, cacheControl);
    h.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
  }

  /**
   * The whole response to a decision that sends no byte of the representation, with Date and
   * X-Cache (Connection is the caller's):
   *
   * <ul>
   *   <li>304 with what the 200 would say of caching: ETag, Cache-Control, Vary; Last-Modified only
   *       without an ETag (RFC 9110 section 15.4.5);
   *   <li>412 with a one-line text naming the failed precondition (section 15.5.13);
   *   <li>416 with the representation's length in Content-Range (section 15.5.17).
   * </ul>
   *
   * A HEAD gets the same head without the text.
   *
   * @param vary the Vary the 200 would carry, null or "" for none
   */
  public static FullHttpResponse withoutRepresentation(
      ConditionalRequest.Decision decision,
      HttpMethod method,
      String etag,
      String lastModified,
      String cacheControl,
      @Nullable String vary,
      long length,
      String xCache) {
    FullHttpResponse response;
    if (decision.status() == HttpResponseStatus.NOT_MODIFIED) {
      response =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED, Unpooled.EMPTY_BUFFER);
      HttpHeaders h = response.headers();
      if (!etag.isEmpty()) {
        h.set(HttpHeaderNames.ETAG, etag);
      } else if (!lastModified.isEmpty()) {
        h.set(HttpHeaderNames.LAST_MODIFIED, lastModified);
      }
      h.set(HttpHeaderNames.CACHE_CONTROL, cacheControl);
    } else {
      String failed = decision.failedPrecondition();
      byte[] text =
          failed != null
              ? ("precondition failed: " + failed + "\n").getBytes(StandardCharsets.US_ASCII)
              : RANGE_NOT_SATISFIABLE;
      response =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              decision.status(),
              HttpMethod.HEAD.equals(method)
                  ? Unpooled.EMPTY_BUFFER
                  : Unpooled.wrappedBuffer(text));
      HttpHeaders h = response.headers();
      h.set(HttpHeaderNames.CONTENT_TYPE, TEXT_PLAIN);
      h.setInt(HttpHeaderNames.CONTENT_LENGTH, text.length);
      String contentRange = decision.contentRange(length);
      if (contentRange != null) {
        h.set(HttpHeaderNames.CONTENT_RANGE, contentRange);
      }
      h.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    }
    HttpHeaders h = response.headers();
    if (vary != null && !vary.isEmpty()) {
      h.set(HttpHeaderNames.VARY, vary);
    }
    h.set(HttpHeaderNames.DATE, HttpDates.now());
    setXCache(h, xCache);
    return response;
  }

  private static void setXCache(HttpHeaders h, @Nullable String xCache) {
    if (xCache != null && !xCache.isEmpty()) {
      h.set(X_CACHE, xCache);
    }
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
}
