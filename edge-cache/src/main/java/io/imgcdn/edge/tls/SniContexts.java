package io.imgcdn.edge.tls;

import io.netty.handler.ssl.SslContext;
import io.netty.util.DomainWildcardMappingBuilder;
import io.netty.util.Mapping;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The server contexts in service, chosen by the host name a client sends in its ClientHello (SNI,
 * RFC 6066 section 3). The first certificate configured answers clients that send no name (old
 * clients, connections to an IP address) or a name no certificate has. Immutable: a reload makes a
 * new one.
 */
final class SniContexts implements Mapping<@Nullable String, SslContext> {
  /** A certificate's context and the names (exact or "*.example.com") it answers for. */
  record Entry(List<String> names, SslContext context) {}

  private final Mapping<String, SslContext> byName;
  private final SslContext fallback;

  /** {@code entries} in configuration order, the default first; an earlier entry keeps a name. */
  SniContexts(List<Entry> entries) {
    this.fallback = entries.get(0).context();
    DomainWildcardMappingBuilder<SslContext> builder = new DomainWildcardMappingBuilder<>(fallback);
    Set<String> taken = new HashSet<>();
    for (Entry entry : entries) {
      for (String name : entry.names()) {
        if (taken.add(name)) {
          builder.add(name, entry.context());
        }
      }
    }
    this.byName = builder.build();
  }

  @Override
  public SslContext map(@Nullable String hostname) {
    // Netty's mapping matches case-insensitively and "*.example.com" one label deep, as RFC 6125
    // 6.4.3.
    return hostname == null ? fallback : byName.map(hostname);
  }
}
