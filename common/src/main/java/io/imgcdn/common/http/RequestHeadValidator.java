package io.imgcdn.common.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import java.util.Iterator;
import org.jspecify.annotations.Nullable;

/**
 * Checks every decoded request head against what this server serves, and marks the ones it refuses
 * instead of passing them on as they are: the request's {@code DecoderResult} becomes a failure
 * whose cause is the {@link HttpError} to answer with (414, 431, 413, 400, 505, 405), which {@link
 * TierDispatch} then answers in the request's turn without asking the tier. On HTTP/1.1, a refused
 * request after which the byte stream cannot be trusted also gets {@code Connection: close}, so the
 * connection closes after the answer. Also tells {@link RequestHeadTimeout} that a head arrived.
 *
 * <p>Goes right after the HTTP decoder: on HTTP/1.1 after {@code RequestDecoder} and the encoder,
 * before {@link ObjectServerHandler}; on a stream after the codec that turns frames into {@code
 * HttpObject}s, before {@link StreamRequestHandler}.
 */
public final class RequestHeadValidator extends ChannelInboundHandlerAdapter {
  /*
   * Checks, in this order, the first failing one answering: the decoder's own failure (its limits: line,
   * header block, then anything malformed), the HTTP version (HTTP/1.1 only), the method, the number of
   * header fields, Host (HTTP/1.1 only: HTTP/2 and HTTP/3 carry :authority), and a body. Bodies: only GET
   * and HEAD (and OPTIONS where the tier answers preflights) are served, and they carry none; a request announcing one is refused rather than read and
   * discarded, and on HTTP/1.1 its connection is closed after the answer (the unread body would be taken
   * for the next request), as it is after a decoder failure or an HTTP version that is not ours.
   */

  /** More header fields than this get 431 (Apache's LimitRequestFields default). */
  public static final int MAX_HEADER_FIELDS = 100;

  private final Protocol protocol;
  private final boolean options;
  private final @Nullable HttpMethod extra;
  private @Nullable RequestHeadTimeout headTimeout;

  /** The validator for requests that arrive on {@code protocol}: GET and HEAD only. */
  public RequestHeadValidator(Protocol protocol) {
    this(protocol, false);
  }

  /**
   * The validator for requests that arrive on {@code protocol}; {@code options}: OPTIONS too (a
   * tier that answers CORS preflights, {@link Tier#answersPreflight}).
   */
  public RequestHeadValidator(Protocol protocol, boolean options) {
    this(protocol, options, null);
  }

  /**
   * The validator for requests that arrive on {@code protocol}; {@code options}: OPTIONS too;
   * {@code extra}: one more method the tier answers ({@link Tier#extraMethod}), or null.
   */
  public RequestHeadValidator(Protocol protocol, boolean options, @Nullable HttpMethod extra) {
    this.protocol = protocol;
    this.options = options;
    this.extra = extra;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.headTimeout = ctx.pipeline().get(RequestHeadTimeout.class);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof HttpRequest request) {
      if (headTimeout != null) {
        headTimeout.headReceived();
      }
      HttpError refusal = refusal(request, protocol, options, extra);
      if (refusal != null) {
        if (protocol == Protocol.HTTP_1_1 && untrustedAfter(request)) {
          request.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        request.setDecoderResult(DecoderResult.failure(refusal));
      }
    }
    ctx.fireChannelRead(msg);
  }

  /** Why {@code request}, arrived on {@code protocol}, is not served; null when it is. */
  static @Nullable HttpError refusal(HttpRequest request, Protocol protocol) {
    return refusal(request, protocol, false);
  }

  /**
   * Why {@code request}, arrived on {@code protocol}, is not served ({@code options}: OPTIONS is);
   * null when it is.
   */
  static @Nullable HttpError refusal(HttpRequest request, Protocol protocol, boolean options) {
    return refusal(request, protocol, options, null);
  }

  /**
   * Why {@code request}, arrived on {@code protocol}, is not served ({@code options}: OPTIONS is;
   * {@code extra}: that method is, or null); null when it is.
   */
  static @Nullable HttpError refusal(
      HttpRequest request, Protocol protocol, boolean options, @Nullable HttpMethod extra) {
    DecoderResult result = request.decoderResult();
    if (result.isFailure()) {
      return decoderFailure(result.cause());
    }
    if (protocol == Protocol.HTTP_1_1) {
      HttpError version = versionRefusal(request.protocolVersion());
      if (version != null) {
        return version;
      }
    }
    HttpMethod method = request.method();
    if (!HttpMethod.GET.equals(method)
        && !HttpMethod.HEAD.equals(method)
        && !(options && HttpMethod.OPTIONS.equals(method))
        && !method.equals(extra)) {
      return new HttpError(
          HttpResponseStatus.METHOD_NOT_ALLOWED,
          "method " + method + " not allowed (GET, HEAD" + (options ? ", OPTIONS)" : ")"));
    }
    if (request.headers().size() > MAX_HEADER_FIELDS) {
      return new HttpError(
          HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE,
          "more than " + MAX_HEADER_FIELDS + " header fields");
    }
    if (protocol == Protocol.HTTP_1_1) {
      HttpError host = hostRefusal(request);
      if (host != null) {
        return host;
      }
    }
    if (hasBody(request)) {
      return HttpError.badRequest("GET and HEAD requests carry no body");
    }
    return null;
  }

  private static HttpError decoderFailure(Throwable cause) {
    if (cause instanceof TooLongHttpLineException) {
      return new HttpError(HttpResponseStatus.REQUEST_URI_TOO_LONG, "request line too long");
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return new HttpError(
          HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request headers too large");
    }
    if (cause instanceof TooLongFrameException) {
      return new HttpError(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "request too large");
    }
    return HttpError.badRequest("malformed request: " + cause.getClass().getSimpleName());
  }

  /**
   * Only HTTP/1.0 and HTTP/1.1, spelled exactly so: the decoder upper-cases the protocol name and
   * accepts any numbers, but the name is case-sensitive (RFC 9112 section 2.3) and other versions
   * are not ours.
   */
  private static @Nullable HttpError versionRefusal(HttpVersion version) {
    if (version == HttpVersion.HTTP_1_1 || version == HttpVersion.HTTP_1_0) {
      return null; // the decoder hands out the constants for the exact spellings
    }
    if (!version.protocolName().equals("HTTP")
        || version.majorVersion() == 1
            && (version.minorVersion() == 0 || version.minorVersion() == 1)) {
      return HttpError.badRequest("malformed HTTP version");
    }
    return new HttpError(
        HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
        "HTTP version " + version.text() + " not supported (HTTP/1.1, HTTP/1.0)");
  }

  /**
   * RFC 9112 section 3.2: a server MUST answer 400 to an HTTP/1.1 request without a Host header,
   * with more than one, or with an invalid one. HTTP/1.0 requests may omit it.
   */
  private static @Nullable HttpError hostRefusal(HttpRequest request) {
    HttpHeaders headers = request.headers();
    String host = headers.get(HttpHeaderNames.HOST);
    if (host == null) {
      return request.protocolVersion() == HttpVersion.HTTP_1_1
          ? HttpError.badRequest("HTTP/1.1 request without a Host header")
          : null;
    }
    if (headers.size() > 1) { // (wrk sends Host alone: no iterator then)
      Iterator<String> hosts = headers.valueStringIterator(HttpHeaderNames.HOST);
      hosts.next();
      if (hosts.hasNext()) {
        return HttpError.badRequest("more than one Host header");
      }
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      boolean ok =
          c >= 'a' && c <= 'z'
              || c >= 'A' && c <= 'Z'
              || c >= '0' && c <= '9'
              || "-._~!$&'()*+,;=:%[]".indexOf(c) >= 0;
      if (!ok) {
        return HttpError.badRequest("invalid Host header");
      }
    }
    return null;
  }

  private static boolean hasBody(HttpRequest request) {
    // Any Transfer-Encoding on a request means a body follows (RFC 9112 section 6.1).
    return request.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)
        || HttpUtil.getContentLength(request, 0L) != 0;
  }

  /**
   * Whether the connection's byte stream cannot be trusted after this refused request: the head did
   * not decode, a body we do not read follows, or its version's framing is not ours.
   */
  private static boolean untrustedAfter(HttpRequest request) {
    return request.decoderResult().isFailure()
        || hasBody(request)
        || request.protocolVersion() != HttpVersion.HTTP_1_1
            && request.protocolVersion() != HttpVersion.HTTP_1_0;
  }
}
