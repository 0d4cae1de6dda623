package io.imgcdn.origin.http;

import io.imgcdn.common.http.HttpDates;
import io.imgcdn.common.http.ImageObject;
import io.imgcdn.common.http.ObjectResponses;
import io.imgcdn.common.http.Response;
import io.imgcdn.common.http.ResponseChannel;
import io.imgcdn.origin.source.SourcePart;
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
 * A 206 with part of an original too large to be read whole (over origin.max-source-bytes), as S3
 * sent it: Content-Range with the object's total length (RFC 9110 section 14.4), its ETag and
 * Last-Modified. Conditional headers are not evaluated here: the shards, which ask for these parts,
 * send none.
 */
record PartResponse(SourcePart part, String etag, String xCache) implements Response {

  @Override
  public HttpResponseStatus status() {
    return HttpResponseStatus.PARTIAL_CONTENT;
  }

  @Override
  public String contentType() {
    return part.contentType();
  }

  @Override
  public void write(ResponseChannel out) {
    byte[] body = part.body();
    boolean head = HttpMethod.HEAD.equals(out.method());
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.PARTIAL_CONTENT,
            head || body.length == 0 ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
    HttpHeaders h = r.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, part.contentType());
    h.setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
    h.set(
        HttpHeaderNames.CONTENT_RANGE,
        "bytes " + part.first() + "-" + (part.first() + body.length - 1) + "/" + part.total());
    h.set(HttpHeaderNames.ETAG, etag);
    if (!part.lastModified().isEmpty()) {
      h.set(HttpHeaderNames.LAST_MODIFIED, part.lastModified());
    }
    h.set(HttpHeaderNames.CACHE_CONTROL, ImageObject.IMMUTABLE);
    h.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
    h.set(HttpHeaderNames.DATE, HttpDates.now());
    h.set(ObjectResponses.X_CACHE, xCache);
    ObjectResponses.setConnection(h, out);
    int bytes = r.content().readableBytes();
    out.write(r);
    out.end(bytes);
  }
}
