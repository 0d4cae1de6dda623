package io.imgcdn.origin.http;

import io.imgcdn.common.http.AcceptClass;
import io.imgcdn.common.http.ObjectResponses;
import io.imgcdn.common.http.Reply;
import io.imgcdn.common.http.Response;
import io.imgcdn.common.http.ResponseChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A reply of a negotiating variant: written as {@link Reply} writes it, plus {@code Vary: Accept},
 * on every status it takes (200, 206, 304, 412, 416, the 406 refusal and the other 4xx), so that no
 * cache between here and the browser stores one representation for all clients (RFC 9110 section
 * 12.5.5).
 */
record VaryAcceptResponse(Reply reply) implements Response {

  @Override
  public HttpResponseStatus status() {
    return reply.status();
  }

  @Override
  public String xCache() {
    return reply.xCache();
  }

  @Override
  public void write(ResponseChannel out) {
    FullHttpResponse response =
        ObjectResponses.toResponse(out.method(), out.requestHeaders(), reply);
    response.headers().set(HttpHeaderNames.VARY, AcceptClass.VARY);
    ObjectResponses.setConnection(response.headers(), out);
    int bytes = response.content().readableBytes();
    out.write(response);
    out.end(bytes);
  }
}
