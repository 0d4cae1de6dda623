package io.imgcdn.edge.http;

import io.imgcdn.common.http.ConditionalRequest;
import io.imgcdn.common.http.HttpDates;
import io.imgcdn.common.http.ObjectResponses;
import io.imgcdn.common.http.Response;
import io.imgcdn.common.http.ResponseChannel;
import io.imgcdn.edge.cache.CachedObject;
import io.imgcdn.edge.policy.Rule;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import org.jspecify.annotations.Nullable;

/**
 * A response served from a {@link CachedObject} in memory: a 200 written as a prefix plus a slice
 * of the stored buffer (no copy of the body), or the 206, 304, 412 or 416 the request's headers ask
 * for ({@link ConditionalRequest}).
 */
final class CachedResponse implements Response {
  /*
   * Holds one reference to the object from the lookup until write() has taken the retained slices it
   * hands to the socket (or until discard()). The verdict chain is null for a plain hit, whose prefix
   * comes from the per-second prefix cache; misses and coalesced waiters carry their longer chain.
   */
  private static final byte[] NO_LINES = {};

  private final CachedObject object;
  private final ResponsePrefixes prefixes;
  private final String chain;
  private final String hitChain;
  private @Nullable Rule policy;

  CachedResponse(CachedObject object, ResponsePrefixes prefixes, String hitChain, String chain) {
    this.object = object;
    this.prefixes = prefixes;
    this.hitChain = hitChain;
    this.chain = chain;
  }

  /**
   * The response policy of the key, set by the tier before it hands the response over: its lines go
   * into the pre-encoded head (heads built as HttpResponses get it from {@code Tier#decorate}).
   */
  CachedResponse policy(Rule rule) {
    this.policy = rule;
    return this;
  }

  @Override
  public String contentType() {
    return object.contentType();
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
      ConditionalRequest.Decision decision =
          ConditionalRequest.evaluate(
              out.method(),
              out.requestHeaders(),
              object.etag(),
              object.lastModified(),
              object.bodyBytes());
      if (decision != ConditionalRequest.Decision.FULL) {
        if (decision.sendsRepresentation()) {
          representation(out, decision, true);
        } else {
          withoutRepresentation(out, decision);
        }
        return;
      }
      boolean withBody = !HttpMethod.HEAD.equals(out.method());
      ResponseChannel.Http1Wire wire = out.http1Wire();
      if (wire == null) { // an HTTP/2 or HTTP/3 stream: no pre-encoded bytes
        representation(out, decision, withBody);
        return;
      }
      byte[] lines = policy == null ? NO_LINES : policy.headLines(object.contentType());
      wire.writeEncoded(
          chain == null ? prefixes.hit(out, lines) : prefixes.forChain(out, chain, lines));
      wire.writeEncoded(object.headAndBody(withBody));
      out.end(withBody ? object.bodyBytes() : 0);
    } finally {
      object.release();
    }
  }

  /** A 304, 412 or 416; a 304 says Vary as the 200 would (RFC 9110 section 15.4.5). */
  private void withoutRepresentation(ResponseChannel out, ConditionalRequest.Decision decision) {
    FullHttpResponse r =
        ObjectResponses.withoutRepresentation(
            decision,
            out.method(),
            object.etag(),
            object.lastModified(),
            object.cacheControl(),
            object.vary(),
            object.bodyBytes(),
            xCache());
    ObjectResponses.setConnection(r.headers(), out);
    out.write(r);
    out.end(r.content().readableBytes());
  }

  /**
   * A 206 (to a GET: HEAD has no ranges), which says Vary as the 200 would (RFC 9110 section
   * 12.5.5), or the 200 built from its parts for a channel that takes no pre-encoded bytes.
   */
  private void representation(
      ResponseChannel out, ConditionalRequest.Decision range, boolean withBody) {
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, range.status());
    HttpHeaders h = head.headers();
    ObjectResponses.representationHeaders(
        h,
        range,
        object.bodyBytes(),
        object.contentType(),
        object.etag(),
        object.lastModified(),
        object.cacheControl());
    if (!object.vary().isEmpty()) {
      h.set(HttpHeaderNames.VARY, object.vary());
    }
    h.set(HttpHeaderNames.DATE, HttpDates.now());
    h.set(ObjectResponses.X_CACHE, xCache());
    ObjectResponses.setConnection(h, out);
    out.write(head);
    if (!withBody) {
      out.write(LastHttpContent.EMPTY_LAST_CONTENT);
      out.end(0);
      return;
    }
    int length = (int) range.length(object.bodyBytes());
    ByteBuf slice = object.body((int) range.first(), length);
    out.write(new DefaultLastHttpContent(slice));
    out.end(length);
  }

  @Override
  public void discard() {
    object.release();
  }
}
