package io.imgcdn.edge.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.common.config.ConfigException;
import io.imgcdn.common.config.Settings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TlsSettingsTest {
  static TlsSettings read(Map<String, String> values) {
    Settings s = Settings.of(values);
    TlsSettings settings = TlsSettings.from(s);
    s.finish();
    return settings;
  }

  @Test
  void from_nothing_isOff_andServesCleartext() {
    TlsSettings settings = read(Map.of());
    assertThat(settings.enabled()).isFalse();
    assertThat(settings.cleartext()).isEqualTo(TlsSettings.Cleartext.SERVE);
    assertThat(settings.port()).isEqualTo(8443);
    assertThat(settings.ticketKeyFile()).isNull();
    assertThat(settings.sessionTimeout()).isEqualTo(Duration.ofHours(1));
    assertThat(settings.reloadInterval()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void from_pairs_inOrder_withEveryKey() {
    TlsSettings settings =
        read(
            Map.of(
                "edge.tls.certificates",
                " /a/full.pem=/a/key.pem , /b/full.pem=/b/key.pem",
                "edge.tls.port",
                "443",
                "edge.tls.cleartext",
                "Redirect",
                "edge.tls.ticket-key-file",
                "/etc/imgcdn/ticket.key",
                "edge.tls.session-timeout",
                "18h",
                "edge.tls.reload-interval",
                "10s"));
    assertThat(settings.certificates())
        .containsExactly(
            new CertificateFiles(Path.of("/a/full.pem"), Path.of("/a/key.pem")),
            new CertificateFiles(Path.of("/b/full.pem"), Path.of("/b/key.pem")));
    assertThat(settings.port()).isEqualTo(443);
    assertThat(settings.cleartext()).isEqualTo(TlsSettings.Cleartext.REDIRECT);
    assertThat(settings.ticketKeyFile()).isEqualTo(Path.of("/etc/imgcdn/ticket.key"));
    assertThat(settings.sessionTimeout()).isEqualTo(Duration.ofHours(18));
    assertThat(settings.reloadInterval()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void from_badValues_areAllNamed() {
    assertThatThrownBy(
            () ->
                read(
                    Map.of(
                        "edge.tls.certificates", "/a/full.pem,/b/full.pem=/b/k=ey.pem",
                        "edge.tls.cleartext", "sometimes")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("edge.tls.certificates: '/a/full.pem' (expected: chain.pem=key.pem")
        .hasMessageContaining("edge.tls.certificates: '/b/full.pem=/b/k=ey.pem'")
        .hasMessageContaining("edge.tls.cleartext: 'sometimes' (expected: serve, redirect or off)");
  }

  @Test
  void from_redirectOrOffWithoutCertificates_isRefused() {
    for (String mode : List.of("redirect", "off")) {
      assertThatThrownBy(() -> read(Map.of("edge.tls.cleartext", mode)))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining(
              "edge.tls.cleartext: "
                  + mode
                  + " needs HTTPS (expected: serve, or set edge.tls.certificates)");
    }
  }
}
