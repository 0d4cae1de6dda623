package io.imgcdn.edge.tls;

import io.imgcdn.common.http.HttpDates;
import io.imgcdn.common.http.ObjectResponses;
import io.imgcdn.common.http.Reply;
import io.imgcdn.common.http.Response;
import io.imgcdn.common.http.ResponseChannel;
import io.imgcdn.common.http.Tier;
import io.imgcdn.common.url.ImageUrl;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * The cleartext port's tier when {@code edge.tls.cleartext=redirect}: every request is answered
 * {@code 301 Moved Permanently} to the same target on https. It runs behind the shared serving
 * handler, so that handler's rules come first: only GET and HEAD get here (others are 405), bad
 * requests are 400, and redirects are counted and logged like any response (verdict "redirect").
 */
public final class HttpsRedirect implements Tier {
  /*
   * 301 rather than 308: browsers turn a 301 for GET into a GET, which is all this port answers, and
   * every client knows 301 (RFC 9110 section 15.4.2). The host comes from the request as the client
   * wrote it: the absolute-form target's authority, else the Host header (RFC 9112 section 3.2.2); its
   * port is replaced with the HTTPS port, left out when that is 443.
   */
  private final String xCache;
  private final String portSuffix;

  public HttpsRedirect(String nodeId, int httpsPort) {
    this.xCache = nodeId + ";redirect";
    this.portSuffix = httpsPort == 443 ? "" : ":" + httpsPort;
  }

  @Override
  public Response fastPath(String requestTarget, HttpHeaders requestHeaders) {
    String host;
    String path;
    if (requestTarget.startsWith("/")) {
      host = requestHeaders.get(HttpHeaderNames.HOST);
      path = requestTarget;
    } else if (requestTarget.regionMatches(true, 0, "http://", 0, 7)) {
      int slash = requestTarget.indexOf('/', 7);
      host = requestTarget.substring(7, slash < 0 ? requestTarget.length() : slash);
      path = slash < 0 ? "/" : requestTarget.substring(slash);
    } else {
      return Reply.error(
          HttpResponseStatus.BAD_REQUEST,
          "request target '" + requestTarget + "' cannot be redirected (expected: /path)",
          xCache);
    }
    String hostname = host == null ? null : hostname(host);
    if (hostname == null) {
      return Reply.error(
          HttpResponseStatus.BAD_REQUEST,
          "a valid Host header is needed to redirect to https",
          xCache);
    }
    return new Moved("https://" + hostname + portSuffix + path, xCache);
  }

  @Override
  public CompletableFuture<? extends Response> handle(ImageUrl url, HttpHeaders requestHeaders) {
    throw new IllegalStateException("every request is answered by fastPath");
  }

  /**
   * The host of a Host value without its port ("[::1]" of "[::1]:8080"), or null when it has
   * characters a host name cannot have.
   */
  static @Nullable String hostname(String host) {
    String name;
    if (host.startsWith("[")) {
      int close = host.indexOf(']');
      if (close < 0) {
        return null;
      }
      name = host.substring(0, close + 1);
    } else {
      int colon = host.indexOf(':');
      name = colon < 0 ? host : host.substring(0, colon);
    }
    if (name.isEmpty()) {
      return null;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean ok =
          c >= 'a' && c <= 'z'
              || c >= 'A' && c <= 'Z'
              || c >= '0' && c <= '9'
              || "-._~!$&'()*+,;=:%[]".indexOf(c) >= 0; // RFC 3986 reg-name and IP-literal
      if (!ok) {
        return null;
      }
    }
    return name;
  }

  /** A 301 to {@code location}, without a body. */
  private record Moved(String location, String xCache) implements Response {
    @Override
    public HttpResponseStatus status() {
      return HttpResponseStatus.MOVED_PERMANENTLY;
    }

    @Override
    public void write(ResponseChannel out) {
      FullHttpResponse response =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.MOVED_PERMANENTLY, Unpooled.EMPTY_BUFFER);
      HttpHeaders h = response.headers();
      h.set(HttpHeaderNames.LOCATION, location);
      h.setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
      h.set(HttpHeaderNames.DATE, HttpDates.now());
      h.set(ObjectResponses.X_CACHE, xCache);
      ObjectResponses.setConnection(h, out);
      out.write(response);
      out.end(0);
    }
  }
}
