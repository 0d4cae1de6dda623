package io.imgcdn.edge.tls;

import io.netty.handler.codec.quic.QuicSslContext;
import io.netty.handler.codec.quic.QuicSslContextBuilder;
import io.netty.handler.codec.quic.SslSessionTicketKey;
import io.netty.handler.ssl.OpenSslSessionTicketKey;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The QUIC (HTTP/3) side of the certificates in service: one {@link QuicSslContext} built from the
 * same keys and chains as the TCP contexts, offering ALPN "h3" only, the first certificate for
 * clients that send no name and the others chosen by SNI as {@link SniContexts} does. QUIC carries
 * TLS 1.3 only (RFC 9001 section 4.2), with BoringSSL inside quiche whatever the TCP side uses.
 */
final class QuicContexts {
  /*
   * One context per reload, never changed after: the QUIC server asks for the context in service for
   * each new connection (EdgeTls.quic()), so a reload reaches new connections and leaves the old ones
   * with the context they were made with. Ticket keys are the TCP side's, so a cluster's edges resume
   * each other's QUIC sessions too.
   */

  /** ALPN protocol id of HTTP/3 (RFC 9114 section 3.1). */
  static final String H3 = "h3";

  private QuicContexts() {}

  /** The context for {@code certificates} in configuration order (the first answers no-SNI). */
  static QuicSslContext build(
      List<CertifiedKey> certificates, TicketKeys ticketKeys, Duration sessionTimeout) {
    CertifiedKey first = certificates.get(0);
    QuicSslContext fallback = single(first, ticketKeys, sessionTimeout);
    if (certificates.size() == 1) {
      return fallback;
    }
    DomainWildcardMappingBuilder<QuicSslContext> names =
        new DomainWildcardMappingBuilder<>(fallback);
    Set<String> taken = new HashSet<>();
    for (CertifiedKey certificate : certificates) {
      QuicSslContext context =
          certificate == first ? fallback : single(certificate, ticketKeys, sessionTimeout);
      for (String name : certificate.names()) {
        if (taken.add(name)) {
          names.add(name, context);
        }
      }
    }
    Mapping<String, QuicSslContext> byName = names.build();
    QuicSslContext sni =
        builder(first, sessionTimeout)
            .sni((Mapping<? super String, ? extends QuicSslContext>) byName)
            .build();
    setTicketKeys(sni, ticketKeys);
    return sni;
  }

  private static QuicSslContext single(
      CertifiedKey certificate, TicketKeys ticketKeys, Duration sessionTimeout) {
    QuicSslContext context = builder(certificate, sessionTimeout).build();
    setTicketKeys(context, ticketKeys);
    return context;
  }

  private static QuicSslContextBuilder builder(CertifiedKey certificate, Duration sessionTimeout) {
    return QuicSslContextBuilder.forServer(
            certificate.key(), null, certificate.chain().toArray(new X509Certificate[0]))
        .applicationProtocols(H3)
        .sessionTimeout(sessionTimeout.toSeconds())
        .earlyData(false); // 0-RTT requests can be replayed (RFC 9001 section 9.2): not taken
  }

  /** Gives the context these ticket keys; sessions made before keep working while keys decrypt. */
  static void setTicketKeys(QuicSslContext context, TicketKeys ticketKeys) {
    OpenSslSessionTicketKey[] keys = ticketKeys.array();
    SslSessionTicketKey[] quic = new SslSessionTicketKey[keys.length];
    for (int i = 0; i < keys.length; i++) {
      quic[i] = new SslSessionTicketKey(keys[i].name(), keys[i].hmacKey(), keys[i].aesKey());
    }
    context.sessionContext().setTicketKeys(quic);
  }
}
