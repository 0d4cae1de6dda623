package io.imgcdn.shard.http;

import io.imgcdn.common.http.ByteRange;
import io.imgcdn.common.http.HttpDates;
import io.imgcdn.common.http.ObjectResponses;
import io.imgcdn.common.http.Response;
import io.imgcdn.common.http.ResponseChannel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * An object the shard serves from a buffer it owns: a hit read from the store into pooled direct
 * memory, or a fill's body on the heap. Written as a 200, or as the 304, 206 or 416 the request's
 * headers ask for; HEAD without the body.
 */
final class StoredResponse implements Response {
  /*
   * Ownership: the response holds one reference to `body` until write() hands it (or a slice of it) to
   * the channel, which releases it once it is on the wire, or until discard(). The body goes to the
   * socket as it is: a direct buffer needs no copy into another one before the write (a heap array, as
   * Reply carries, is copied into direct memory by the transport on every write).
   */
  private static final byte[] UNSATISFIABLE =
      "range not satisfiable\n".getBytes(StandardCharsets.US_ASCII);

  private final String contentType;
  private final String etag;
  private final String cacheControl;
  private final String xCache;
  private final String vary;
  private ByteBuf body;

  /**
   * @param body the body's bytes from its reader index to its writer index; this response owns one
   *     reference
   * @param vary the Vary header to send (null: none), e.g. "Accept" for one representation of
   *     several
   */
  StoredResponse(
      String contentType,
      String etag,
      String cacheControl,
      ByteBuf body,
      String xCache,
      String vary) {
    this.contentType = contentType;
    this.etag = etag;
    this.cacheControl = cacheControl;
    this.body = body;
    this.xCache = xCache;
    this.vary = vary;
  }

  @Override
  public HttpResponseStatus status() {
    return HttpResponseStatus.OK;
  }

  @Override
  public String xCache() {
    return xCache;
  }

  @Override
  public void write(ResponseChannel out) {
    ByteBuf b = body;
    body = null;
    if (b == null) {
      throw new IllegalStateException(
          "write after write or discard (expected: exactly one of them, once)");
    }
    FullHttpResponse response;
    try {
      response = respond(out, b);
    } catch (RuntimeException e) {
      if (b.refCnt() > 0) {
        b.release();
      }
      throw e;
    }
    ObjectResponses.setConnection(response.headers(), out);
    int bytes = response.content().readableBytes();
    out.write(response);
    out.end(bytes);
  }

  /** The response the request asks for; takes over {@code b} (its content, or released). */
  private FullHttpResponse respond(ResponseChannel out, ByteBuf b) {
    int length = b.readableBytes();
    Wanted wanted = Wanted.of(out.requestHeaders(), etag, length);
    if (wanted.status() != HttpResponseStatus.OK
        && wanted.status() != HttpResponseStatus.PARTIAL_CONTENT) {
      b.release();
      return common(
          bodiless(wanted, HttpMethod.HEAD.equals(out.method()), etag, cacheControl), vary, xCache);
    }
    int first = b.readerIndex() + (int) wanted.first();
    b.setIndex(first, first + (int) wanted.length());
    ByteBuf content = b;
    if (HttpMethod.HEAD.equals(out.method()) || wanted.length() == 0) {
      b.release();
      content = Unpooled.EMPTY_BUFFER;
    }
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            wanted.status(),
            content,
            DefaultHttpHeadersFactory.headersFactory().withValidation(false),
            DefaultHttpHeadersFactory.trailersFactory().withValidation(false));
    objectHeaders(r.headers(), wanted, length, contentType, etag, cacheControl);
    return common(r, vary, xCache);
  }

  /**
   * What a request asks of an object of {@code length} bytes: 304 (If-None-Match matched), 416 (a
   * Range outside it), 206 with bytes {@code first..last}, or 200 with all of it ({@code
   * first..last} the whole).
   */
  record Wanted(HttpResponseStatus status, long first, long last) {
    static Wanted of(HttpHeaders request, String etag, long length) {
      String ifNoneMatch = request.get(HttpHeaderNames.IF_NONE_MATCH);
      if (ifNoneMatch != null && ObjectResponses.etagMatches(ifNoneMatch, etag)) {
        return new Wanted(HttpResponseStatus.NOT_MODIFIED, 0, -1);
      }
      String range = request.get(HttpHeaderNames.RANGE);
      if (range != null
          && ObjectResponses.ifRangeAllows(request.get(HttpHeaderNames.IF_RANGE), etag)) {
        ByteRange parsed = ByteRange.parse(range, length);
        if (parsed == ByteRange.UNSATISFIABLE) {
          return new Wanted(HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, 0, length - 1);
        }
        if (parsed != null) {
          return new Wanted(HttpResponseStatus.PARTIAL_CONTENT, parsed.first(), parsed.last());
        }
      }
      return new Wanted(HttpResponseStatus.OK, 0, length - 1);
    }

    /** Body bytes the answer carries (0 for 304 and 416, whose bodies are not the object's). */
    long length() {
      return hasBody() ? last - first + 1 : 0;
    }

    /** Whether the answer sends bytes of the object (a 200 or 206 with at least one byte). */
    boolean hasBody() {
      return (status == HttpResponseStatus.OK || status == HttpResponseStatus.PARTIAL_CONTENT)
          && last >= first;
    }
  }

  /** The 304 or 416 for {@code wanted}, without the common headers. */
  static FullHttpResponse bodiless(Wanted wanted, boolean head, String etag, String cacheControl) {
    if (wanted.status() == HttpResponseStatus.NOT_MODIFIED) {
      FullHttpResponse r =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED, Unpooled.EMPTY_BUFFER);
      r.headers().set(HttpHeaderNames.ETAG, etag).set(HttpHeaderNames.CACHE_CONTROL, cacheControl);
      return r;
    }
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
            head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(UNSATISFIABLE));
    r.headers()
        .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
        .setInt(HttpHeaderNames.CONTENT_LENGTH, UNSATISFIABLE.length)
        .set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + (wanted.last() + 1))
        .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    return r;
  }

  /** The headers of a 200 or 206 carrying {@code wanted} of an object of {@code length} bytes. */
  static void objectHeaders(
      HttpHeaders h,
      Wanted wanted,
      long length,
      String contentType,
      String etag,
      String cacheControl) {
    h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
    h.set(HttpHeaderNames.CONTENT_LENGTH, wanted.length());
    if (wanted.status() == HttpResponseStatus.PARTIAL_CONTENT) {
      h.set(
          HttpHeaderNames.CONTENT_RANGE,
          "bytes " + wanted.first() + "-" + wanted.last() + "/" + length);
    }
    if (!etag.isEmpty()) {
      h.set(HttpHeaderNames.ETAG, etag);
    }
    h.set(HttpHeaderNames.CACHE_CONTROL, cacheControl);
    h.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
  }

  /** Vary (when set), Date and X-Cache, which every answer carries. */
  static <R extends HttpResponse> R common(R r, String vary, String xCache) {
    HttpHeaders h = r.headers();
    if (vary != null) {
      h.set(HttpHeaderNames.VARY, vary);
    }
    h.set(HttpHeaderNames.DATE, HttpDates.now());
    h.set(ObjectResponses.X_CACHE, xCache);
    return r;
  }

  @Override
  public void discard() {
    ByteBuf b = body;
    body = null;
    if (b != null) {
      b.release();
    }
  }
}
