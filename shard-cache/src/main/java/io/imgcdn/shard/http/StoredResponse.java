package io.imgcdn.shard.http;

import io.imgcdn.common.http.ConditionalRequest;
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
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import org.jspecify.annotations.Nullable;

/**
 * An object the shard serves from a buffer it owns: a hit read from the store into pooled direct
 * memory, or a fill's body on the heap. Written as a 200, or as the 206, 304, 412 or 416 the
 * request's headers ask for ({@link ConditionalRequest}); HEAD without the body.
 */
final class StoredResponse implements Response {
  /*
   * Ownership: the response holds one reference to `body` until write() hands it (or a slice of it) to
   * the channel, which releases it once it is on the wire, or until discard(). The body goes to the
   * socket as it is: a direct buffer needs no copy into another one before the write (a heap array, as
   * Reply carries, is copied into direct memory by the transport on every write).
   */
  private final String contentType;
  private final String etag;
  private final String lastModified;
  private final String cacheControl;
  private final String xCache;
  private final @Nullable String vary;
  private @Nullable ByteBuf body;

  /**
   * @param lastModified the Last-Modified stored with the object, "" without one
   * @param body the body's bytes from its reader index to its writer index; this response owns one
   *     reference
   * @param vary the Vary header to send (null: none), e.g. "Accept" for one representation of
   *     several
   */
  StoredResponse(
      String contentType,
      String etag,
      String lastModified,
      String cacheControl,
      ByteBuf body,
      String xCache,
      @Nullable String vary) {
    this.contentType = contentType;
    this.etag = etag;
    this.lastModified = lastModified;
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
    ConditionalRequest.Decision decision =
        ConditionalRequest.evaluate(out.method(), out.requestHeaders(), etag, lastModified, length);
    if (!decision.sendsRepresentation()) {
      b.release();
      return ObjectResponses.withoutRepresentation(
          decision, out.method(), etag, lastModified, cacheControl, vary, length, xCache);
    }
    int sent = (int) decision.length(length);
    int first = b.readerIndex() + (int) decision.first();
    b.setIndex(first, first + sent);
    ByteBuf content = b;
    if (HttpMethod.HEAD.equals(out.method()) || sent == 0) {
      b.release();
      content = Unpooled.EMPTY_BUFFER;
    }
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            decision.status(),
            content,
            DefaultHttpHeadersFactory.headersFactory().withValidation(false),
            DefaultHttpHeadersFactory.trailersFactory().withValidation(false));
    ObjectResponses.representationHeaders(
        r.headers(), decision, length, contentType, etag, lastModified, cacheControl);
    return common(r, vary, xCache);
  }

  /** Vary (when set), Date and X-Cache, which a 200 or 206 carries after its object headers. */
  static <R extends HttpResponse> R common(R r, @Nullable String vary, String xCache) {
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
