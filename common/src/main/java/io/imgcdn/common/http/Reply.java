package io.imgcdn.common.http;

import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.nio.charset.StandardCharsets;

/**
 * What a tier answers to one request: a 200 with its object, or an error status with a one-line
 * message; plus the X-Cache chain of the tiers that handled it, nearest first.
 */
public record Reply(HttpResponseStatus status, ImageObject object, String xCache)
    implements Response {
  public static Reply ok(ImageObject object, String xCache) {
    return new Reply(HttpResponseStatus.OK, object, xCache);
  }

  /** An error reply; the message becomes a text/plain body that nobody caches. */
  public static Reply error(HttpResponseStatus status, String message, String xCache) {
    byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
    return new Reply(
        status, new ImageObject("text/plain; charset=utf-8", "", "no-store", body), xCache);
  }

  public static Reply error(HttpError error, String xCache) {
    return error(error.status(), error.publicMessage(), xCache);
  }

  @Override
  public String contentType() {
    return object.contentType();
  }

  public boolean isOk() {
    return status.code() == 200;
  }

  /** The X-Cache value with this node's verdict put in front: "edge-1;miss, shard-2;hit". */
  public static String chain(String nodeId, String verdict, String upstreamChain) {
    String own = nodeId + ";" + verdict;
    return upstreamChain == null || upstreamChain.isEmpty() ? own : own + ", " + upstreamChain;
  }

  /**
   * Writes this reply as one full response: 200, 206, 304 or 416 as the request asks, or the error.
   */
  @Override
  public void write(ResponseChannel out) {
    FullHttpResponse response =
        ObjectResponses.toResponse(out.method(), out.requestHeaders(), this);
    if (status.code() == 503) {
      response.headers().set(HttpHeaderNames.RETRY_AFTER, "1");
    } else if (status.code() == 405) {
      response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD"); // RFC 9110 section 15.5.6: MUST
    }
    ObjectResponses.setConnection(response.headers(), out);
    int bytes = response.content().readableBytes();
    out.write(response);
    out.end(bytes);
  }
}
