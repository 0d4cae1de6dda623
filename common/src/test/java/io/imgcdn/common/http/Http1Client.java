package io.imgcdn.common.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The HTTP/1.1 serving pipeline of {@link ServerInitializer} in an EmbeddedChannel, and a client
 * side that decodes what it writes (GET responses only: a HEAD's would need the request).
 */
final class Http1Client {
  /** One decoded response. */
  record Answer(int status, HttpHeaders headers, String body) {}

  final EmbeddedChannel server;
  private final EmbeddedChannel decoder =
      new EmbeddedChannel(new HttpResponseDecoder(), new HttpObjectAggregator(1 << 20));

  Http1Client(ObjectServerHandler handler) {
    this.server =
        new EmbeddedChannel(
            new ServerInitializer(
                () -> handler, ServerOptions.withIdleTimeout(Duration.ofSeconds(60)), null));
  }

  /** Sends raw request bytes, as one read. */
  Http1Client send(String raw) {
    server.writeInbound(Unpooled.copiedBuffer(raw, StandardCharsets.US_ASCII));
    return this;
  }

  /** Every response written since the last call, in order. */
  List<Answer> read() {
    ByteBuf bytes;
    while ((bytes = server.readOutbound()) != null) {
      decoder.writeInbound(bytes);
    }
    List<Answer> answers = new ArrayList<>();
    FullHttpResponse r;
    while ((r = decoder.readInbound()) != null) {
      try {
        answers.add(
            new Answer(
                r.status().code(),
                r.headers().copy(),
                r.content().toString(StandardCharsets.UTF_8)));
      } finally {
        r.release();
      }
    }
    return answers;
  }

  /** Closes both sides; whether anything was left unread (a test should have read it all). */
  boolean finishAndReleaseAll() {
    boolean server = this.server.finishAndReleaseAll();
    boolean decoder = this.decoder.finishAndReleaseAll();
    return server || decoder;
  }
}
