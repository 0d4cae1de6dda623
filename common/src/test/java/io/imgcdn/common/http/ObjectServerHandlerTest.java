package io.imgcdn.common.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The HTTP/1.1 end of the pipeline, in the pipeline ServerInitializer builds: responses in request
 * order, keep-alive, backpressure, flush batching and drain.
 */
class ObjectServerHandlerTest {
  /** Answers each path with a future the test completes; "/hit-..." paths at once. */
  private final Map<String, CompletableFuture<Response>> pending = new HashMap<>();

  private final Tier tier =
      (url, headers) ->
          url.path().startsWith("/hit")
              ? CompletableFuture.<Response>completedFuture(ok(url.path()))
              : pending.computeIfAbsent(url.path(), k -> new CompletableFuture<>());

  static Reply ok(String body) {
    return Reply.ok(
        new ImageObject(
            "image/jpeg", "\"e\"", ImageObject.IMMUTABLE, body.getBytes(StandardCharsets.UTF_8)),
        "n;hit");
  }

  /** A reply that tells whether it was discarded instead of written. */
  static final class WatchedReply implements Response {
    private final Reply reply;
    boolean discarded;

    WatchedReply(Reply reply) {
      this.reply = reply;
    }

    @Override
    public HttpResponseStatus status() {
      return reply.status();
    }

    @Override
    public String xCache() {
      return reply.xCache();
    }

    @Override
    public void write(ResponseChannel out) {
      reply.write(out);
    }

    @Override
    public void discard() {
      discarded = true;
    }
  }

  static String get(String path) {
    return "GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n";
  }

  private Http1Client client(int maxPipelined) {
    return new Http1Client(new ObjectServerHandler("n", tier, null, maxPipelined));
  }

  @Test
  void pipelining_answersCompleteOutOfOrder_writtenInRequestOrder() {
    Http1Client c = client(16);
    c.send(get("/a.jpg") + get("/b.jpg") + get("/c.jpg"));
    pending.get("/c.jpg").complete(ok("c"));
    pending.get("/b.jpg").complete(ok("b"));
    assertThat(c.read()).as("nothing before the first request's answer").isEmpty();
    pending.get("/a.jpg").complete(ok("a"));
    assertThat(c.read()).extracting(Http1Client.Answer::body).containsExactly("a", "b", "c");
    assertThat(c.server.isOpen()).isTrue();
    assertFalse(c.finishAndReleaseAll());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "GET /hit.jpg HTTP/1.1\\r"
            + "\\n"
            + "Host: t\\r"
            + "\\n"
            + "\\r"
            + "\\n"
            + "                       | 200 |            | true",
        "GET /hit.jpg HTTP/1.1\\r"
            + "\\n"
            + "Host: t\\r"
            + "\\n"
            + "Connection: close\\r"
            + "\\n"
            + "\\r"
            + "\\n"
            + " | 200 | close      | false",
        "GET /hit.jpg HTTP/1.0\\r"
            + "\\n"
            + "\\r"
            + "\\n"
            + "                                     | 200 | close      | false",
        "GET /hit.jpg HTTP/1.0\\r"
            + "\\n"
            + "Connection: keep-alive\\r"
            + "\\n"
            + "\\r"
            + "\\n"
            + "          | 200 | keep-alive | true",
        "DELETE /hit.jpg HTTP/1.1\\r"
            + "\\n"
            + "Host: t\\r"
            + "\\n"
            + "\\r"
            + "\\n"
            + "                    | 405 |            | true",
        "GET /hit.jpg HTTP/1.1\\r"
            + "\\n"
            + "\\r"
            + "\\n"
            + "                                     | 400 |            | true",
        "GET /hit.jpg HTTP/1.1\\r"
            + "\\n"
            + "Host: t\\r"
            + "\\n"
            + "Content-Length: 1\\r"
            + "\\n"
            + "\\r"
            + "\\n"
            + "x | 400 | close      | false",
        "GET /hit.jpg HTTP/2.0\\r"
            + "\\n"
            + "Host: t\\r"
            + "\\n"
            + "\\r"
            + "\\n"
            + "                       | 505 | close      | false",
        "GET /hit.jpg http/1.1\\r"
            + "\\n"
            + "Host: t\\r"
            + "\\n"
            + "\\r"
            + "\\n"
            + "                       | 400 | close      | false",
      })
  void keepAlive_asTheRequestAndTheValidatorSay(
      String request, int status, String connection, boolean open) {
    Http1Client c = client(16);
    c.send(request.replace("\\r\\n", "\r\n"));
    List<Http1Client.Answer> answers = c.read();
    assertThat(answers).hasSize(1);
    assertThat(answers.getFirst().status()).isEqualTo(status);
    assertThat(answers.getFirst().headers().get("connection")).isEqualTo(connection);
    assertThat(c.server.isOpen()).isEqualTo(open);
    if (open) {
      assertThat(c.send(get("/hit-again.jpg")).read())
          .as("still usable")
          .extracting(Http1Client.Answer::status)
          .containsExactly(200);
    }
    assertFalse(c.finishAndReleaseAll());
  }

  @Test
  void closingRequest_laterPipelinedRequestsIgnored() {
    Http1Client c = client(16);
    c.send("GET /hit-1.jpg HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n" + get("/hit-2.jpg"));
    assertThat(c.read()).extracting(Http1Client.Answer::body).containsExactly("/hit-1.jpg");
    assertThat(c.server.isOpen()).isFalse();
    assertFalse(c.finishAndReleaseAll());
  }

  @Test
  void backpressure_maxPipelinedInFlight_stopsReadingUntilAnswered() {
    Http1Client c = client(2);
    c.send(get("/a.jpg"));
    assertThat(c.server.config().isAutoRead()).isTrue();
    c.send(get("/b.jpg"));
    assertThat(c.server.config().isAutoRead()).as("two in flight").isFalse();
    pending.get("/a.jpg").complete(ok("a"));
    assertThat(c.server.config().isAutoRead()).as("one in flight").isTrue();
    pending.get("/b.jpg").complete(ok("b"));
    assertThat(c.read()).extracting(Http1Client.Answer::body).containsExactly("a", "b");
    assertFalse(c.finishAndReleaseAll());
  }

  @Test
  void flushing_hitsAnsweredInOneRead_oneFlush_laterAnswerFlushedAtOnce() {
    Http1Client c = client(16);
    int[] flushes = {0};
    c.server
        .pipeline()
        .addFirst(
            new ChannelOutboundHandlerAdapter() {
              @Override
              public void flush(ChannelHandlerContext ctx) {
                flushes[0]++;
                ctx.flush();
              }
            });
    c.send(get("/hit-1.jpg") + get("/hit-2.jpg") + get("/hit-3.jpg") + get("/later.jpg"));
    assertThat(flushes[0]).as("three hits, one flush at the end of the read").isEqualTo(1);
    assertThat(c.read()).hasSize(3);
    pending.get("/later.jpg").complete(ok("later"));
    assertThat(flushes[0]).isEqualTo(2);
    assertThat(c.read()).extracting(Http1Client.Answer::body).containsExactly("later");
    assertFalse(c.finishAndReleaseAll());
  }

  @Test
  void drain_requestInFlight_answeredWithCloseThenClosed() {
    Http1Client c = client(16);
    c.send(get("/a.jpg"));
    c.server.pipeline().fireUserEventTriggered(ServerConnections.DRAIN);
    assertThat(c.server.isOpen()).as("the request read is answered first").isTrue();
    assertThat(c.server.config().isAutoRead()).isFalse();
    pending.get("/a.jpg").complete(ok("a"));
    List<Http1Client.Answer> answers = c.read();
    assertThat(answers).extracting(Http1Client.Answer::body).containsExactly("a");
    assertThat(answers.getFirst().headers().get("connection")).isEqualTo("close");
    assertThat(c.server.isOpen()).isFalse();
    assertFalse(c.finishAndReleaseAll());
  }

  @Test
  void drain_idleConnection_closedAtOnce() {
    Http1Client c = client(16);
    c.send(get("/hit.jpg"));
    assertThat(c.read()).hasSize(1);
    c.server.pipeline().fireUserEventTriggered(ServerConnections.DRAIN);
    assertThat(c.server.isOpen()).isFalse();
    assertFalse(c.finishAndReleaseAll());
  }

  @Test
  void retire_idleConnectionStaysOpen_nextAnswerClosesIt_healthSaysDraining() {
    Http1Client c = client(16);
    c.send(get(TierDispatch.HEALTH_PATH));
    assertThat(c.read()).extracting(Http1Client.Answer::status).containsExactly(200);
    c.server.pipeline().fireUserEventTriggered(ServerConnections.RETIRE);
    assertThat(c.server.isOpen())
        .as("idle, but not cut: its client may be sending a request now")
        .isTrue();
    c.send(get(TierDispatch.HEALTH_PATH));
    List<Http1Client.Answer> answers = c.read();
    assertThat(answers).extracting(Http1Client.Answer::status).containsExactly(503);
    assertThat(answers.getFirst().headers().get("x-cache")).isEqualTo("n;draining");
    assertThat(answers.getFirst().headers().get("connection")).isEqualTo("close");
    assertThat(c.server.isOpen()).isFalse();
    assertFalse(c.finishAndReleaseAll());
  }

  @Test
  void retire_nextRequestAnsweredWithClose() {
    Http1Client c = client(16);
    c.server.pipeline().fireUserEventTriggered(ServerConnections.RETIRE);
    c.send(get("/a.jpg"));
    pending.get("/a.jpg").complete(ok("a"));
    List<Http1Client.Answer> answers = c.read();
    assertThat(answers).extracting(Http1Client.Answer::body).containsExactly("a");
    assertThat(answers.getFirst().headers().get("connection")).isEqualTo("close");
    assertThat(c.server.isOpen()).isFalse();
    assertFalse(c.finishAndReleaseAll());
  }

  @Test
  void clientGone_answerArrivingLater_discarded() {
    Http1Client c = client(16);
    c.send(get("/a.jpg"));
    c.server.close();
    WatchedReply late = new WatchedReply(ok("a"));
    pending.get("/a.jpg").complete(late);
    assertThat(late.discarded).isTrue();
    assertFalse(c.finishAndReleaseAll());
  }

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
