package io.imgcdn.edge.http3;

/**
 * The {@code Alt-Svc} header (RFC 7838) by which HTTPS responses over TCP tell a browser that the
 * same origin also speaks HTTP/3 on a UDP port: {@code h3=":8443"; ma=86400}.
 */
public final class AltSvc {
  /*
   * Only on the HTTPS port's responses: browsers take an alternative only from a secure origin, and
   * a cleartext origin's alternative would name another origin's service. A day (ma=86400), as
   * Cloudflare and Google send: a browser that saw it tries QUIC first for that long, and falls back to
   * TCP by itself when UDP is blocked.
   */

  /** The header's name. */
  public static final String HEADER = "Alt-Svc";

  /** How long, in seconds, a client may remember the alternative. */
  public static final long MAX_AGE_SECONDS = 86_400;

  private AltSvc() {}

  /** The header's value for HTTP/3 on {@code udpPort} of the same host. */
  public static String h3(int udpPort) {
    if (udpPort < 1 || udpPort > 65535) {
      throw new IllegalArgumentException("udpPort: " + udpPort + " (expected: 1 to 65535)");
    }
    return "h3=\":" + udpPort + "\"; ma=" + MAX_AGE_SECONDS;
  }
}
