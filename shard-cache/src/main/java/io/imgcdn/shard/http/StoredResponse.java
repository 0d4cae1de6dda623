package io.imgcdn.shard.http;

import io.imgcdn.common.http.ByteRange;
import io.imgcdn.common.http.HttpDates;
import io.imgcdn.common.http.ObjectResponses;
import io.imgcdn.common.http.Response;
import io.imgcdn.common.http.ResponseChannel;
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

/**
 * An object the shard serves from a buffer it owns: a hit read from the store into pooled direct memory,
 * or a fill's body on the heap. Written as a 200, or as the 304, 206 or 416 the request's headers ask for;
 * HEAD without the body.
 */
final class StoredResponse implements Response {
  /*
   * Ownership: the response holds one reference to `body` until write() hands it (or a slice of it) to
   * the channel, which releases it once it is on the wire, or until discard(). The body goes to the
   * socket as it is: a direct buffer needs no copy into another one before the write (a heap array, as
   * Reply carries, is copied into direct memory by the transport on every write).
   */
  private static final byte[] UNSATISFIABLE = "range not satisfiable\n".getBytes(StandardCharsets.US_ASCII);

  private final String contentType;
  private final String etag;
  private final String cacheControl;
  private final String xCache;
  private final String vary;
  private ByteBuf body;

  /**
   * @param body the body's bytes from its reader index to its writer index; this response owns one reference
   * @param vary the Vary header to send (null: none), e.g. "Accept" for one representation of several
   */
  StoredResponse(String contentType, String etag, String cacheControl, ByteBuf body, String xCache, String vary) {
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
      throw new IllegalStateException("write after write or discard (expected: exactly one of them, once)");
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
    HttpHeaders request = out.requestHeaders();
    boolean head = HttpMethod.HEAD.equals(out.method());
    String ifNoneMatch = request.get(HttpHeaderNames.IF_NONE_MATCH);
    if (ifNoneMatch != null && ObjectResponses.etagMatches(ifNoneMatch, etag)) {
      b.release();
      FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED,
          Unpooled.EMPTY_BUFFER);
      r.headers().set(HttpHeaderNames.ETAG, etag).set(HttpHeaderNames.CACHE_CONTROL, cacheControl);
      return common(r);
    }
    int length = b.readableBytes();
    String range = request.get(HttpHeaderNames.RANGE);
    if (range != null && ObjectResponses.ifRangeAllows(request.get(HttpHeaderNames.IF_RANGE), etag)) {
      ByteRange parsed = ByteRange.parse(range, length);
      if (parsed == ByteRange.UNSATISFIABLE) {
        b.release();
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
            HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
            head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(UNSATISFIABLE));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
            .setInt(HttpHeaderNames.CONTENT_LENGTH, UNSATISFIABLE.length)
            .set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + length)
            .set(HttpHeaderNames.CACHE_CONTROL, "no-store");
        return common(r);
      }
      if (parsed != null) {
        int first = b.readerIndex() + (int) parsed.first();
        b.setIndex(first, first + (int) parsed.length());
        FullHttpResponse r = object(HttpResponseStatus.PARTIAL_CONTENT, b, head);
        r.headers().set(HttpHeaderNames.CONTENT_RANGE,
            "bytes " + parsed.first() + "-" + parsed.last() + "/" + length);
        return r;
      }
    }
    return object(HttpResponseStatus.OK, b, head);
  }

  private FullHttpResponse object(HttpResponseStatus status, ByteBuf b, boolean head) {
    int length = b.readableBytes();
    ByteBuf content = b;
    if (head || length == 0) {
      b.release();
      content = Unpooled.EMPTY_BUFFER;
    }
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content, false);
    HttpHeaders h = r.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, contentType);
    h.setInt(HttpHeaderNames.CONTENT_LENGTH, length);
    if (!etag.isEmpty()) {
      h.set(HttpHeaderNames.ETAG, etag);
    }
    h.set(HttpHeaderNames.CACHE_CONTROL, cacheControl);
    h.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
    return common(r);
  }

  private FullHttpResponse common(FullHttpResponse r) {
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
