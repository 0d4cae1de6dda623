package io.imgcdn.common.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The protocol-neutral seam: the same tier, dispatch and responses as on HTTP/1.1, served on an
 * HTTP/2 stream's pipeline (Netty's frame-to-HttpObject codec, the validator, the stream handler)
 * and read back as HTTP/2 frames.
 */
class StreamRequestHandlerTest {
  static final String BODY = "twelve bytes";

  private final List<String> heard = new ArrayList<>();
  private final CompletableFuture<Response> later = new CompletableFuture<>();

  private final Tier tier =
      (url, headers) ->
          url.path().equals("/later.jpg")
              ? later
              : CompletableFuture.completedFuture(ObjectServerHandlerTest.ok(BODY));

  private EmbeddedChannel stream() {
    TierDispatch dispatch =
        new TierDispatch(
            "n",
            tier,
            (protocol, method, response, status, bytes, nanos) ->
                heard.add(protocol + " " + method + " " + status + " " + bytes));
    return new EmbeddedChannel(
        new Http2StreamFrameToHttpObjectCodec(true),
        new RequestHeadValidator(Protocol.HTTP_2),
        new StreamRequestHandler(dispatch, Protocol.HTTP_2));
  }

  static DefaultHttp2HeadersFrame request(String method, String path) {
    return new DefaultHttp2HeadersFrame(
        new DefaultHttp2Headers().method(method).path(path).scheme("https").authority("cdn"), true);
  }

  /**
   * The response's frames: its HEADERS, then the DATA frames' text; asserts it ended the stream.
   */
  record Frames(Http2Headers headers, String data) {}

  static Frames read(EmbeddedChannel channel) {
    Http2HeadersFrame head = channel.readOutbound();
    assertThat(head).as("a HEADERS frame").isNotNull();
    StringBuilder data = new StringBuilder();
    boolean ended = head.isEndStream();
    Object frame;
    while ((frame = channel.readOutbound()) != null) {
      assertThat(ended).as("nothing after the end of the stream").isFalse();
      Http2DataFrame d = (Http2DataFrame) frame;
      data.append(d.content().toString(StandardCharsets.UTF_8));
      ended = d.isEndStream();
      d.release();
    }
    assertThat(ended).as("the stream ended").isTrue();
    return new Frames(head.headers(), data.toString());
  }

  @Test
  void get_replyWrittenAsHeadersAndData_noConnectionHeader() {
    EmbeddedChannel channel = stream();
    channel.writeInbound(request("GET", "/a.jpg"));
    Frames f = read(channel);
    assertThat(f.headers().status().toString()).isEqualTo("200");
    assertThat(f.headers().get("content-type").toString()).isEqualTo("image/jpeg");
    assertThat(f.headers().get("content-length").toString()).isEqualTo("12");
    assertThat(f.headers().get("etag").toString()).isEqualTo("\"e\"");
    assertThat(f.headers().get("x-cache").toString()).isEqualTo("n;hit");
    assertThat(f.headers().contains("connection")).isFalse();
    assertThat(f.data()).isEqualTo(BODY);
    assertThat(heard).containsExactly("HTTP_2 GET 200 12");
    assertFalse(channel.finishAndReleaseAll());
  }

  @Test
  void headAndConditionalGet_headersFrameEndsTheStream() {
    EmbeddedChannel head = stream();
    head.writeInbound(request("HEAD", "/a.jpg"));
    Frames f = read(head);
    assertThat(f.headers().status().toString()).isEqualTo("200");
    assertThat(f.headers().get("content-length").toString()).isEqualTo("12");
    assertThat(f.data()).isEmpty();
    assertFalse(head.finishAndReleaseAll());

    EmbeddedChannel conditional = stream();
    DefaultHttp2HeadersFrame ifNoneMatch = request("GET", "/a.jpg");
    ifNoneMatch.headers().set("if-none-match", "\"e\"");
    conditional.writeInbound(ifNoneMatch);
    assertThat(read(conditional).headers().status().toString()).isEqualTo("304");
    assertFalse(conditional.finishAndReleaseAll());
  }

  @Test
  void refusedMethod_405WithAllow_streamNotConnectionEnds() {
    EmbeddedChannel channel = stream();
    channel.writeInbound(request("POST", "/a.jpg"));
    Frames f = read(channel);
    assertThat(f.headers().status().toString()).isEqualTo("405");
    assertThat(f.headers().get("allow").toString()).isEqualTo("GET, HEAD");
    assertThat(f.data()).startsWith("method POST not allowed");
    assertThat(channel.isOpen()).as("closing it would reset the stream, not answer it").isTrue();
    assertFalse(channel.finishAndReleaseAll());
  }

  @Test
  void answerCompletedLater_writtenWhenReady_discardedAfterAReset() {
    EmbeddedChannel channel = stream();
    channel.writeInbound(request("GET", "/later.jpg"));
    assertThat(channel.<Object>readOutbound()).isNull();
    later.complete(ObjectServerHandlerTest.ok(BODY));
    assertThat(read(channel).data()).isEqualTo(BODY);
    assertFalse(channel.finishAndReleaseAll());

    CompletableFuture<Response> afterReset = new CompletableFuture<>();
    Tier slow = (url, headers) -> afterReset;
    EmbeddedChannel reset =
        new EmbeddedChannel(
            new Http2StreamFrameToHttpObjectCodec(true),
            new RequestHeadValidator(Protocol.HTTP_2),
            new StreamRequestHandler(new TierDispatch("n", slow, null), Protocol.HTTP_2));
    reset.writeInbound(request("GET", "/a.jpg"));
    reset.close(); // the client reset the stream
    ObjectServerHandlerTest.WatchedReply late =
        new ObjectServerHandlerTest.WatchedReply(ObjectServerHandlerTest.ok(BODY));
    afterReset.complete(late);
    assertThat(late.discarded).isTrue();
    assertFalse(reset.finishAndReleaseAll());
  }
}
