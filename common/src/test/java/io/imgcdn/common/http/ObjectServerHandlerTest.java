package io.imgcdn.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

class ObjectServerHandlerTest {
  static DefaultHttpRequest request(HttpVersion version, String connection) {
    DefaultHttpRequest r = new DefaultHttpRequest(version, HttpMethod.GET, "/a.jpg");
    if (connection != null) {
      r.headers().set("Connection", connection);
    }
    return r;
  }

  @Test
  void isKeepAlive_connectionTokens_asRfc9112Says() {
    assertThat(ObjectServerHandler.isKeepAlive(request(HttpVersion.HTTP_1_1, null))).isTrue();
    assertThat(ObjectServerHandler.isKeepAlive(request(HttpVersion.HTTP_1_1, "Close"))).isFalse();
    assertThat(ObjectServerHandler.isKeepAlive(request(HttpVersion.HTTP_1_1, "Upgrade, close ")))
        .isFalse();
    assertThat(ObjectServerHandler.isKeepAlive(request(HttpVersion.HTTP_1_1, "closed"))).isTrue();
    assertThat(ObjectServerHandler.isKeepAlive(request(HttpVersion.HTTP_1_0, null))).isFalse();
    assertThat(ObjectServerHandler.isKeepAlive(request(HttpVersion.HTTP_1_0, "Keep-Alive")))
        .isTrue();
    assertThat(ObjectServerHandler.isKeepAlive(request(HttpVersion.HTTP_1_0, "x,keep-alive")))
        .isTrue();
  }

  @Test
  void hasToken_emptyAndSpacedLists() {
    assertThat(ObjectServerHandler.hasToken("", "close")).isFalse();
    assertThat(ObjectServerHandler.hasToken(" , close ,", "close")).isTrue();
    assertThat(ObjectServerHandler.hasToken("\tclose", "close")).isTrue();
  }
}
