package io.imgcdn.common.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Which request heads are refused, with which status, and after which the connection closes. */
class RequestHeadValidatorTest {
  /** Decodes {@code raw} and validates it as ServerInitializer's pipeline does. */
  static EmbeddedChannel http1() {
    return new EmbeddedChannel(
        new RequestDecoder(
            ServerInitializer.MAX_INITIAL_LINE, ServerInitializer.MAX_HEADER_SIZE, 8192),
        new RequestHeadValidator(Protocol.HTTP_1_1));
  }

  /** 0: served; else the refusal's status. */
  static int status(HttpRequest r) {
    return r.decoderResult().isSuccess()
        ? 0
        : ((HttpError) r.decoderResult().cause()).status().code();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        // request (\r\n written as \\r\\n)                              | status | closes after
        "GET /a.jpg HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n                     | 0   | false",
        "HEAD /a.jpg HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n                    | 0   | false",
        "GET /a.jpg HTTP/1.0\\r\\n\\r\\n                                   | 0   | false",
        "GET /a.jpg HTTP/1.5\\r\\nHost: t\\r\\n\\r\\n                     | 0   | false",
        "GET /a.jpg HTTP/1.1\\r\\nHost: [::1]:80\\r\\n\\r\\n              | 0   | false",
        "GET /LONG HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n                      | 414 | true",
        "GET /a.jpg HTTP/1.1\\r\\nHost: t\\r\\nX-Big: BIG\\r\\n\\r\\n       | 431 | true",
        "GET /a.jpg HTTP/1.1\\r\\nHost: t\\r\\nMANY\\r\\n                  | 431 | false",
        "GET /a.jpg HTTP/2.0\\r\\nHost: t\\r\\n\\r\\n                     | 505 | true",
        "GET /a.jpg HTTP/0.9\\r\\nHost: t\\r\\n\\r\\n                     | 505 | true",
        "GET /a.jpg http/1.1\\r\\nHost: t\\r\\n\\r\\n                     | 400 | true",
        "GET /a.jpg FOO/1.1\\r\\nHost: t\\r\\n\\r\\n                      | 400 | true",
        "DELETE /a.jpg HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n                  | 405 | false",
        "get /a.jpg HTTP/1.1\\r\\nHost: t\\r\\n\\r\\n                      | 405 | false",
        "GET /a.jpg HTTP/1.1\\r\\n\\r\\n                                   | 400 | false",
        "GET /a.jpg HTTP/1.1\\r\\nHost: a\\r\\nHost: b\\r\\n\\r\\n          | 400 | false",
        "GET /a.jpg HTTP/1.1\\r\\nHost: a b\\r\\n\\r\\n                    | 400 | false",
        "GET /a.jpg HTTP/1.1\\r\\nHost: t\\r\\nContent-Length: 5\\r\\n\\r\\nhello | 400 | true",
        "GET /a.jpg HTTP/1.1\\r"
            + "\\n"
            + "Host: t\\r"
            + "\\n"
            + "Transfer-Encoding: chunked\\r"
            + "\\n"
            + "\\r"
            + "\\n"
            + "0\\r"
            + "\\n"
            + "\\r"
            + "\\n"
            + " | 400 | true",
      })
  void http1_headsRefusedAsRfc9112Says(String request, int status, boolean closes) {
    String raw =
        request
            .replace("\\r\\n", "\r\n")
            .replace("/LONG", "/" + "x".repeat(9000))
            .replace("BIG", "y".repeat(17_000))
            .replace("MANY\r\n", "X-N: v\r\n".repeat(150) + "\r\n");
    EmbeddedChannel channel = http1();
    channel.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.ISO_8859_1));
    HttpRequest r = channel.readInbound();
    assertThat(status(r)).isEqualTo(status);
    assertThat(ObjectServerHandler.isKeepAlive(r)).isEqualTo(!closes && !raw.contains("HTTP/1.0"));
    ReferenceCountUtil.release(r);
    Object rest;
    while ((rest = channel.readInbound()) != null) { // a body's content, dropped downstream
      ReferenceCountUtil.release(rest);
    }
    assertFalse(channel.finishAndReleaseAll());
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        // method | extra header                 | status: Host and version are HTTP/1.1's alone
        "GET      |                              | 0",
        "HEAD     |                              | 0",
        "POST     |                              | 405",
        "GET      | transfer-encoding: chunked   | 400",
        "GET      | content-length: 3            | 400",
      })
  void stream_methodAndBodyRefused_neverConnectionClose(String method, String extra, int status) {
    EmbeddedChannel channel = new EmbeddedChannel(new RequestHeadValidator(Protocol.HTTP_2));
    // As Http2StreamFrameToHttpObjectCodec decodes a HEADERS frame: HTTP/1.1, no Host needed.
    DefaultFullHttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), "/a.jpg");
    if (extra != null) {
      request.headers().set(extra.split(": ")[0], extra.split(": ")[1]);
    }
    channel.writeInbound(request);
    HttpRequest r = channel.readInbound();
    assertThat(status(r)).isEqualTo(status);
    assertThat(r.headers().contains("connection")).isFalse();
    ReferenceCountUtil.release(r);
    assertFalse(channel.finishAndReleaseAll());
  }

  @ParameterizedTest(name = "{0}, preflight answered: {1}")
  @CsvSource({"OPTIONS, false, 405", "OPTIONS, true, 0", "POST, true, 405", "GET, true, 0"})
  void options_servedOnlyWhereTheTierAnswersPreflights(
      String method, boolean preflight, int status) {
    EmbeddedChannel channel =
        new EmbeddedChannel(new RequestHeadValidator(Protocol.HTTP_1_1, preflight));
    DefaultFullHttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), "/a.jpg");
    request.headers().set("host", "t");
    channel.writeInbound(request);
    HttpRequest r = channel.readInbound();
    assertThat(status(r)).isEqualTo(status);
    ReferenceCountUtil.release(r);
    assertFalse(channel.finishAndReleaseAll());
  }
}
