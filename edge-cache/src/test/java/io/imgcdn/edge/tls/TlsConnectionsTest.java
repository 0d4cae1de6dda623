package io.imgcdn.edge.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.common.http.HttpServers;
import io.imgcdn.common.http.Transports;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The first handler of an HTTPS connection with each provider the edge may run on: BoringSSL, and
 * the JDK's where BoringSSL cannot load. A JDK client over loopback checks versions, the server's
 * cipher order and the certificate picked by SNI.
 */
class TlsConnectionsTest {
  @TempDir static Path dir;
  static CertifiedKey localhost;
  static CertifiedKey other;
  static EventLoopGroup group;

  @BeforeAll
  static void start() throws Exception {
    localhost =
        CertifiedKey.load(
            TlsTesting.certificate(dir, "localhost", "dns:localhost", "ip:127.0.0.1"),
            Instant.now());
    other =
        CertifiedKey.load(
            TlsTesting.certificate(
                dir,
                "b.test",
                SelfSignedCertificates.KeyType.RSA,
                Duration.ofDays(1),
                Duration.ofDays(9),
                "dns:b.test"),
            Instant.now());
    group = Transports.group(1, "tls-test");
  }

  @AfterAll
  static void stop() {
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** A server whose connections only handshake, with this provider's contexts. */
  static Channel server(SslProvider provider) throws Exception {
    TlsPolicy policy = new TlsPolicy(provider, List.of(TlsPolicy.HTTP_1_1), Duration.ofHours(1));
    TicketKeys keys = TicketKeys.random();
    SniContexts contexts =
        new SniContexts(
            List.of(
                new SniContexts.Entry(localhost.names(), policy.newContext(localhost, keys)),
                new SniContexts.Entry(other.names(), policy.newContext(other, keys))));
    TlsConnections connections = new TlsConnections(contexts, Duration.ofSeconds(5));
    return HttpServers.bind(
        group,
        group,
        "127.0.0.1",
        0,
        new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.pipeline().addLast(connections.get());
          }
        });
  }

  /** The session a JDK client agrees on, or the handshake's failure. */
  static SSLSession handshake(
      Channel server, String serverName, List<String> protocols, List<String> ciphers)
      throws Exception {
    SslContext client =
        SslContextBuilder.forClient()
            .sslProvider(SslProvider.JDK)
            .trustManager(InsecureTrustManagerFactory.INSTANCE)
            .protocols(protocols)
            .ciphers(ciphers)
            .build();
    Channel ch =
        new Bootstrap()
            .group(group)
            .channel(Transports.clientChannel())
            .handler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel c) {
                    c.pipeline().addLast(client.newHandler(c.alloc(), serverName, 443));
                  }
                })
            .connect(server.localAddress())
            .sync()
            .channel();
    try {
      SslHandler ssl = ch.pipeline().get(SslHandler.class);
      ssl.handshakeFuture().await(10_000);
      if (!ssl.handshakeFuture().isSuccess()) {
        throw new Exception("handshake failed", ssl.handshakeFuture().cause());
      }
      return ssl.engine().getSession();
    } finally {
      ch.close().sync();
    }
  }

  static String subject(SSLSession session) throws Exception {
    return ((X509Certificate) session.getPeerCertificates()[0]).getSubjectX500Principal().getName();
  }

  @ParameterizedTest
  @EnumSource(
      value = SslProvider.class,
      names = {"OPENSSL", "JDK"})
  void versionsCiphersAndNames_asThePolicySays(SslProvider provider) throws Exception {
    Channel server = server(provider);
    try {
      SSLSession tls13 =
          handshake(server, "localhost", List.of("TLSv1.3", "TLSv1.2"), TlsPolicy.CIPHER_SUITES);
      assertThat(tls13.getProtocol()).isEqualTo("TLSv1.3");
      assertThat(subject(tls13)).isEqualTo("CN=localhost");

      SSLSession serverOrder =
          handshake(
              server,
              "localhost",
              List.of("TLSv1.2"),
              List.of(
                  "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
                  "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
                  "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"));
      assertThat(serverOrder.getCipherSuite())
          .as("the server's order, not the client's")
          .isEqualTo("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");

      assertThat(subject(handshake(server, "b.test", List.of("TLSv1.3"), TlsPolicy.CIPHER_SUITES)))
          .isEqualTo("CN=b.test");
      assertThat(
              handshake(
                      server,
                      "b.test",
                      List.of("TLSv1.2"),
                      List.of(
                          "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
                          "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"))
                  .getCipherSuite())
          .isEqualTo("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");

      assertThatThrownBy(
              () ->
                  handshake(
                      server,
                      "localhost",
                      List.of("TLSv1.2"),
                      List.of(
                          "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
                          "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA")))
          .as("CBC suites are not offered")
          .hasMessage("handshake failed");
    } finally {
      server.close().sync();
    }
  }
}
