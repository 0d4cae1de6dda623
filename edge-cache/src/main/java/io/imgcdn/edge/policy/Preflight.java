package io.imgcdn.edge.policy;

import io.imgcdn.common.http.HttpDates;
import io.imgcdn.common.http.ObjectResponses;
import io.imgcdn.common.http.Response;
import io.imgcdn.common.http.ResponseChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The answer to a CORS preflight ({@code OPTIONS}): 204, the methods and request headers a page may
 * use (Range for media seeking, the conditional ones), cached by the browser for a day. The
 * policy's headers, Access-Control-Allow-Origin among them, are added as on every response.
 */
public record Preflight(String xCache) implements Response {
  /** Request headers beyond the CORS-safelisted ones that a page's fetch() may send. */
  static final String ALLOW_HEADERS = "Range, If-None-Match, If-Modified-Since, If-Range";

  static final String MAX_AGE_SECONDS = "86400";

  @Override
  public HttpResponseStatus status() {
    return HttpResponseStatus.NO_CONTENT;
  }

  @Override
  public void write(ResponseChannel out) {
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status());
    HttpHeaders h = r.headers();
    h.set(HttpHeaderNames.ALLOW, "GET, HEAD, OPTIONS");
    h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS, "GET, HEAD");
    h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, ALLOW_HEADERS);
    h.set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, MAX_AGE_SECONDS);
    h.set(HttpHeaderNames.DATE, HttpDates.now());
    h.set(ObjectResponses.X_CACHE, xCache);
    ObjectResponses.setConnection(h, out);
    out.write(r);
    out.end(0);
  }
}
