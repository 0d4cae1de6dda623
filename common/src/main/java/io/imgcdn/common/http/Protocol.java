package io.imgcdn.common.http;

import io.netty.handler.codec.http.HttpVersion;

/**
 * The wire protocol a request arrived on: what metrics and access logs are labelled with, and what
 * a {@link ResponseChannel} carries its response over.
 */
public enum Protocol {
  /** HTTP/1.1 or HTTP/1.0 on a connection of its own (RFC 9112): responses in request order. */
  HTTP_1_1("http/1.1", HttpVersion.HTTP_1_1),
  /** One stream of an HTTP/2 connection (RFC 9113). */
  HTTP_2("h2", new HttpVersion("HTTP", 2, 0, true)),
  /** One stream of an HTTP/3 connection over QUIC (RFC 9114). */
  HTTP_3("h3", new HttpVersion("HTTP", 3, 0, true));

  private final String label;

  @SuppressWarnings("ImmutableEnumChecker") // Netty's HttpVersion is immutable, only not annotated
  private final HttpVersion version;

  Protocol(String label, HttpVersion version) {
    this.label = label;
    this.version = version;
  }

  /** The protocol's ALPN identifier (RFC 7301): "http/1.1", "h2", "h3". */
  public String label() {
    return label;
  }

  /**
   * The version an exchange on this protocol reports (access log): HTTP/2.0 and HTTP/3.0 for
   * streams; on HTTP/1.1 connections the request's own version is reported instead.
   */
  public HttpVersion version() {
    return version;
  }
}
