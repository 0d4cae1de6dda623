package io.imgcdn.common.http;

import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpRequestDecoder;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Netty's request decoder with the HTTP-version rules it cannot apply itself: the name {@code HTTP}
 * is case-sensitive, and a request of a higher HTTP/1 minor version is served as HTTP/1.1.
 */
final class RequestDecoder extends HttpRequestDecoder {
  /*
   * Netty's strict version parsing (HttpVersion.valueOf(text, true)) takes "HTTP/d.d" in any case and
   * upper-cases it, so the raw text is only available here, in createMessage.
   * - RFC 9112 section 2.3: HTTP-name is "HTTP", case-sensitive. Anything else fails decoding: 400, then
   *   the connection is closed (RequestHeadValidator).
   * - RFC 9112 section 2.6 / RFC 9110 section 2.5: a server SHOULD send a response in the highest minor
   *   version it supports within the request's major version, and the minor versions of HTTP/1 are
   *   compatible: HTTP/1.2 to HTTP/1.9 become HTTP/1.1 (keep-alive, Host required), so no later check
   *   has to know about them. Other majors are left to RequestHeadValidator (505).
   */
  RequestDecoder(int maxInitialLineLength, int maxHeaderSize, int maxChunkSize) {
    super(maxInitialLineLength, maxHeaderSize, maxChunkSize);
  }

  @Override
  protected HttpMessage createMessage(String[] initialLine) throws Exception {
    HttpMessage message = super.createMessage(initialLine); // throws unless "HTTP/d.d" in any case
    String version = initialLine[2];
    if (!version.startsWith("HTTP/")) {
      throw new IllegalArgumentException(
          "HTTP-name is case-sensitive: " + version + " (expected: HTTP/1.1)");
    }
    if (version.length() == 8 && version.charAt(5) == '1' && version.charAt(7) > '1') {
      message.setProtocolVersion(HttpVersion.HTTP_1_1);
    }
    return message;
  }
}
