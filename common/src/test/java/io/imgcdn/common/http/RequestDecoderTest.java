package io.imgcdn.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RequestDecoderTest {

  @ParameterizedTest
  @CsvSource({
    "HTTP/1.1, HTTP/1.1",
    "HTTP/1.0, HTTP/1.0",
    "HTTP/1.2, HTTP/1.1", // RFC 9112 section 2.6: a higher HTTP/1 minor version is served as
    // HTTP/1.1
    "HTTP/1.9, HTTP/1.1",
    "HTTP/2.0, HTTP/2.0", // another major: left to ObjectServerHandler (505)
    "HTTP/0.9, HTTP/0.9",
  })
  void createMessage_wellFormedVersion_decodedAs(String sent, String decoded) {
    HttpRequest request = decode("GET /a.jpg " + sent + "\r\nHost: t\r\n\r\n");
    assertThat(request.decoderResult().isSuccess()).isTrue();
    assertThat(request.protocolVersion().text()).isEqualTo(decoded);
    if (decoded.equals("HTTP/1.1")) {
      assertThat(request.protocolVersion())
          .isSameAs(HttpVersion.HTTP_1_1); // later checks compare constants
    }
  }

  @ParameterizedTest
  @CsvSource({"http/1.1", "Http/1.2", "HTTP/1.10", "HTTP/01.1", "HTTP/1", "FOO/1.1"})
  void createMessage_malformedVersion_decoderFailure(String sent) {
    HttpRequest request = decode("GET /a.jpg " + sent + "\r\nHost: t\r\n\r\n");
    assertThat(request.decoderResult().isFailure()).as(sent).isTrue();
  }

  private static HttpRequest decode(String head) {
    EmbeddedChannel channel =
        new EmbeddedChannel(
            new RequestDecoder(
                ServerInitializer.MAX_INITIAL_LINE, ServerInitializer.MAX_HEADER_SIZE, 8192));
    try {
      channel.writeInbound(Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1));
      HttpRequest request = channel.readInbound();
      assertThat(request).isNotNull();
      return request;
    } finally {
      channel.finishAndReleaseAll();
    }
  }
}
