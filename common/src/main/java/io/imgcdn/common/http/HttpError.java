package io.imgcdn.common.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import org.jspecify.annotations.Nullable;

/**
 * A request failed in a way the client should hear about: the HTTP status, a safe one-line public
 * message, and whether the failure is ours (logged and counted as an error) or the client's (not
 * reported).
 */
public final class HttpError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient HttpResponseStatus status;
  private final String publicMessage;

  public HttpError(HttpResponseStatus status, String publicMessage) {
    this(status, publicMessage, null);
  }

  public HttpError(HttpResponseStatus status, String publicMessage, @Nullable Throwable cause) {
    super(status.code() + " " + publicMessage, cause, false, false);
    this.status = status;
    this.publicMessage = publicMessage;
  }

  public static HttpError badRequest(String message) {
    return new HttpError(HttpResponseStatus.BAD_REQUEST, message);
  }

  public static HttpError notFound(String message) {
    return new HttpError(HttpResponseStatus.NOT_FOUND, message);
  }

  /**
   * This error as node {@code nodeId}'s own answer: the message starts with the node, so a 5xx
   * passed on through the tiers still names the one that failed ("origin-1: S3 timeout after 2000
   * ms").
   */
  public HttpError at(String nodeId) {
    return new HttpError(status, nodeId + ": " + publicMessage, getCause());
  }

  public HttpResponseStatus status() {
    return status;
  }

  public String publicMessage() {
    return publicMessage;
  }

  /** 5xx are our failures and get logged; 4xx are the client's and are not reported. */
  public boolean shouldReport() {
    return status.code() >= 500;
  }
}
