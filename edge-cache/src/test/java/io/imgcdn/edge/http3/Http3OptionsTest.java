package io.imgcdn.edge.http3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.common.config.ConfigException;
import io.imgcdn.common.config.Settings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class Http3OptionsTest {
  @Test
  void defaults_offWithTheServingPortsIdleTimeout() {
    Settings s = Settings.of(Map.of());
    Http3Options o = Http3Options.from(s, Duration.ofSeconds(42));
    s.finish();
    assertThat(o).isEqualTo(Http3Options.defaults(Duration.ofSeconds(42)));
    assertThat(o.enabled()).isFalse();
    assertThat(o.maxConcurrentStreams()).isEqualTo(128);
    assertThat(o.maxHeaderListSize()).isEqualTo(16384);
    assertThat(o.initialMaxStreamData()).isEqualTo(64 << 10);
  }

  @Test
  void readsEveryKey() {
    Settings s =
        Settings.of(
            Map.of(
                "server.http3.enabled", "true",
                "server.http3.max-concurrent-streams", "10",
                "server.http3.max-header-list-size", "8192",
                "server.http3.idle-timeout", "5s",
                "server.http3.initial-max-data", "2m",
                "server.http3.initial-max-stream-data", "128k"));
    Http3Options o = Http3Options.from(s, Duration.ofSeconds(60));
    s.finish();
    assertThat(o)
        .isEqualTo(new Http3Options(true, 10, 8192, Duration.ofSeconds(5), 2 << 20, 128 << 10));
  }

  @Test
  void aStreamWindowBelowTheHeaderLimit_isNamed() {
    Settings s =
        Settings.of(
            Map.of(
                "server.http3.max-header-list-size", "32768",
                "server.http3.initial-max-stream-data", "16k"));
    Http3Options.from(s, Duration.ofSeconds(60));
    assertThatThrownBy(s::finish)
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("server.http3.initial-max-stream-data")
        .hasMessageContaining("max-header-list-size");
  }

  @Test
  void altSvc_namesThePort() {
    assertThat(AltSvc.h3(8443)).isEqualTo("h3=\":8443\"; ma=86400");
    assertThatThrownBy(() -> AltSvc.h3(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
