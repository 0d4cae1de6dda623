package io.imgcdn.edge.tls;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HttpsRedirectTest {
  @Test
  void hostname_dropsThePort_keepsIpv6Brackets_refusesWhatNoHostHas() {
    assertThat(HttpsRedirect.hostname("img.example.com")).isEqualTo("img.example.com");
    assertThat(HttpsRedirect.hostname("img.example.com:8080")).isEqualTo("img.example.com");
    assertThat(HttpsRedirect.hostname("127.0.0.1:80")).isEqualTo("127.0.0.1");
    assertThat(HttpsRedirect.hostname("[::1]:8080")).isEqualTo("[::1]");
    assertThat(HttpsRedirect.hostname("[::1")).isNull();
    assertThat(HttpsRedirect.hostname(":8080")).isNull();
    assertThat(HttpsRedirect.hostname("a b")).isNull();
    assertThat(HttpsRedirect.hostname("evil.com/\r\nSet-Cookie:x")).isNull();
  }
}
