package io.imgcdn.edge.http;

import io.imgcdn.common.http.ByteRange;
import io.imgcdn.common.http.HttpDates;
import io.imgcdn.common.http.ObjectResponses;
import io.imgcdn.common.http.Response;
import io.imgcdn.common.http.ResponseChannel;
import io.imgcdn.edge.cache.CachedObject;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.nio.charset.StandardCharsets;

/**
 * A response served from a {@link CachedObject} in memory: a 200 written as a prefix plus a slice
 * of the stored buffer (no copy of the body), or a 304, 206 or 416 as the request's headers ask.
 */
final class CachedResponse implements Response {
  /*
   * Holds one reference to the object from the lookup until write() has taken the retained slices it
   * hands to the socket (or until discard()). The verdict chain is null for a plain hit, whose prefix
   * comes from the per-second prefix cache; misses and coalesced waiters carry their longer chain.
   */
  private final CachedObject object;
  private final ResponsePrefixes prefixes;
  private final String chain;
  private final String hitChain;

  CachedResponse(CachedObject object, ResponsePrefixes prefixes, String hitChain, String chain) {
    this.object = object;
    this.prefixes = prefixes;
    this.hitChain = hitChain;
    this.chain = chain;
  }

  @Override
  public HttpResponseStatus status() {
    return HttpResponseStatus.OK;
  }

  @Override
  public String xCache() {
    return chain == null ? hitChain : chain;
  }

  @Override
  public void write(ResponseChannel out) {
    try {
      HttpHeaders request = out.requestHeaders();
      String ifNoneMatch = request.get(HttpHeaderNames.IF_NONE_MATCH);
      if (ifNoneMatch != null && ObjectResponses.etagMatches(ifNoneMatch, object.etag())) {
        notModified(out);
        return;
      }
      String range = request.get(HttpHeaderNames.RANGE);
      if (range != null
          && ObjectResponses.ifRangeAllows(request.get(HttpHeaderNames.IF_RANGE), object.etag())) {
        ByteRange parsed = ByteRange.parse(range, object.bodyBytes());
        if (parsed == ByteRange.UNSATISFIABLE) {
          unsatisfiable(out);
          return;
        }
        if (parsed != null) {
          partial(out, parsed);
          return;
        }
      }
      boolean withBody = !HttpMethod.HEAD.equals(out.method());
      ResponseChannel.Http1Wire wire = out.http1Wire();
      if (wire != null) {
        wire.writeEncoded(chain == null ? prefixes.hit(out) : prefixes.forChain(out, chain));
        wire.writeEncoded(object.headAndBody(withBody));
      } else {
        whole(out, withBody);
      }
      out.end(withBody ? object.bodyBytes() : 0);
    } finally {
      object.release();
    }
  }

  /**
   * The 200 as a head and its content, with the header lines stored with the object, for a channel
   * that takes no pre-encoded bytes (an HTTP/2 or HTTP/3 stream).
   */
  private void whole(ResponseChannel out, boolean withBody) {
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    HttpHeaders h = head.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, object.contentType());
    h.setInt(HttpHeaderNames.CONTENT_LENGTH, object.bodyBytes());
    if (!object.etag().isEmpty()) {
      h.set(HttpHeaderNames.ETAG, object.etag());
    }
    h.set(HttpHeaderNames.CACHE_CONTROL, object.cacheControl());
    setVary(h);
    h.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
    common(h, out);
    out.write(head);
    out.write(
        withBody
            ? new DefaultLastHttpContent(object.body(0, object.bodyBytes()))
            : LastHttpContent.EMPTY_LAST_CONTENT);
  }

  /** A 304 or 206 says Vary as the 200 would (RFC 9110 sections 15.4.5 and 12.5.5). */
  private void setVary(HttpHeaders h) {
    if (!object.vary().isEmpty()) {
      h.set(HttpHeaderNames.VARY, object.vary());
    }
  }

  private void notModified(ResponseChannel out) {
    DefaultFullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_MODIFIED, Unpooled.EMPTY_BUFFER);
    HttpHeaders h = r.headers();
    h.set(HttpHeaderNames.ETAG, object.etag());
    h.set(HttpHeaderNames.CACHE_CONTROL, object.cacheControl());
    setVary(h);
    common(h, out);
    out.write(r);
    out.end(0);
  }

  private void unsatisfiable(ResponseChannel out) {
    byte[] text = "range not satisfiable\n".getBytes(StandardCharsets.US_ASCII);
    DefaultFullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
            HttpMethod.HEAD.equals(out.method())
                ? Unpooled.EMPTY_BUFFER
                : Unpooled.wrappedBuffer(text));
    HttpHeaders h = r.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
    h.setInt(HttpHeaderNames.CONTENT_LENGTH, text.length);
    h.set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + object.bodyBytes());
    h.set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    common(h, out);
    out.write(r);
    out.end(r.content().readableBytes());
  }

  private void partial(ResponseChannel out, ByteRange range) {
    HttpResponse head =
        new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.PARTIAL_CONTENT);
    HttpHeaders h = head.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, object.contentType());
    h.setInt(HttpHeaderNames.CONTENT_LENGTH, (int) range.length());
    h.set(
        HttpHeaderNames.CONTENT_RANGE,
        "bytes " + range.first() + "-" + range.last() + "/" + object.bodyBytes());
    if (!object.etag().isEmpty()) {
      h.set(HttpHeaderNames.ETAG, object.etag());
    }
    h.set(HttpHeaderNames.CACHE_CONTROL, object.cacheControl());
    h.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
    setVary(h);
    common(h, out);
    out.write(head);
    if (HttpMethod.HEAD.equals(out.method())) {
      out.write(LastHttpContent.EMPTY_LAST_CONTENT);
      out.end(0);
      return;
    }
    ByteBuf slice = object.body((int) range.first(), (int) range.length());
    out.write(new DefaultLastHttpContent(slice));
    out.end(range.length());
  }

  private void common(HttpHeaders h, ResponseChannel out) {
    h.set(HttpHeaderNames.DATE, HttpDates.now());
    h.set(ObjectResponses.X_CACHE, xCache());
    ObjectResponses.setConnection(h, out);
  }

  @Override
  public void discard() {
    object.release();
  }
}
