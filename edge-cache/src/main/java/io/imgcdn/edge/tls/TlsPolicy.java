package io.imgcdn.edge.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.ReferenceCountedOpenSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the edge speaks TLS: BoringSSL (netty-tcnative) or, where that cannot load, the JDK's
 * provider; TLS 1.2 and 1.3 only; forward-secret AEAD cipher suites in the server's order; the ALPN
 * protocols offered; how long a session may be resumed. Builds one server context per certificate.
 */
final class TlsPolicy {
  /*
   * Versions: TLS 1.3 and 1.2 (RFC 8996 deprecates 1.0 and 1.1). Cipher suites for 1.2: ECDHE key
   * exchange (forward secrecy) with AES-GCM or ChaCha20-Poly1305 only, as Mozilla's "intermediate"
   * profile without its DHE suites, AES-128 first (as fast as anything and safe), ECDSA before RSA (the
   * certificate decides which of the two can be used). BoringSSL does not let 1.3's suites be chosen:
   * it always offers AES-GCM and ChaCha20, ordered by whether the CPU has AES instructions; the JDK gets
   * the same three named. Netty puts BoringSSL in server-preference mode (SSL_OP_CIPHER_SERVER_PREFERENCE)
   * for every context; the JDK engines are told the same where they are made (TlsConnections).
   *
   * Contexts are SslProvider.OPENSSL, not OPENSSL_REFCNT: their native memory is freed by the garbage
   * collector once no connection's engine refers to them, so a replaced certificate's context lives
   * exactly as long as the connections that were made with it.
   */
  private static final Logger LOG = LoggerFactory.getLogger(TlsPolicy.class);

  static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  static final List<String> CIPHER_SUITES =
      List.of(
          "TLS_AES_128_GCM_SHA256",
          "TLS_AES_256_GCM_SHA384",
          "TLS_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
          "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
          "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  /** ALPN protocol id of HTTP/1.1 (RFC 7301 section 6). */
  static final String HTTP_1_1 = "http/1.1";

  /** ALPN protocol id of HTTP/2 over TLS (RFC 9113 section 3.2). */
  static final String H2 = "h2";

  private final SslProvider provider;
  private final List<String> applicationProtocols;
  private final Duration sessionTimeout;

  TlsPolicy(SslProvider provider, List<String> applicationProtocols, Duration sessionTimeout) {
    this.provider = provider;
    this.applicationProtocols = List.copyOf(applicationProtocols);
    this.sessionTimeout = sessionTimeout;
  }

  /**
   * BoringSSL when netty-tcnative loads, else the JDK's provider; says which in one log line.
   * {@code applicationProtocols}: ALPN ids in the server's order of preference (adding "h2" in
   * front is all HTTP/2 needs from here).
   */
  static TlsPolicy choose(List<String> applicationProtocols, Duration sessionTimeout) {
    if (OpenSsl.isAvailable()) {
      LOG.info(
          "TLS by {} (netty-tcnative); TLS 1.2 and 1.3; ALPN {}",
          OpenSsl.versionString(),
          applicationProtocols);
      return new TlsPolicy(SslProvider.OPENSSL, applicationProtocols, sessionTimeout);
    }
    LOG.warn(
        "TLS by the JDK's provider: netty-tcnative BoringSSL cannot load here ({}); session ticket"
            + " keys are not shared between edges",
        String.valueOf(OpenSsl.unavailabilityCause()));
    return new TlsPolicy(SslProvider.JDK, applicationProtocols, sessionTimeout);
  }

  SslProvider provider() {
    return provider;
  }

  /** Whether session ticket keys can be set (BoringSSL; the JDK keeps its own). */
  boolean sharesTicketKeys() {
    return provider == SslProvider.OPENSSL;
  }

  /** A server context for one certificate, with these ticket keys when the provider takes them. */
  SslContext newContext(CertifiedKey certificate, TicketKeys ticketKeys) throws SSLException {
    SslContext context =
        SslContextBuilder.forServer(certificate.key(), certificate.chain())
            .sslProvider(provider)
            .protocols(PROTOCOLS)
            .ciphers(CIPHER_SUITES, SupportedCipherSuiteFilter.INSTANCE)
            .sessionTimeout(sessionTimeout.toSeconds())
            .applicationProtocolConfig(
                new ApplicationProtocolConfig(
                    ApplicationProtocolConfig.Protocol.ALPN,
                    // A client offering none of ours (h2 only, say) gets no ALPN answer and may
                    // fall
                    // back, rather than a failed handshake.
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    applicationProtocols))
            .build();
    setTicketKeys(context, ticketKeys);
    return context;
  }

  /**
   * Gives a context new ticket keys; connections already made keep their sessions, and the ones
   * whose tickets the new keys still decrypt resume.
   */
  void setTicketKeys(SslContext context, TicketKeys ticketKeys) {
    if (context instanceof ReferenceCountedOpenSslContext openSsl) {
      openSsl.sessionContext().setTicketKeys(ticketKeys.array());
    }
  }
}
