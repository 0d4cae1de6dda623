package io.imgcdn.common.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.imgcdn.common.url.ImageUrl;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * How a request reaches the tier (fast path, rewrite, parse, handle) and how failures become
 * replies, served through the HTTP/1.1 pipeline.
 */
class TierDispatchTest {
  /** A tier that fails as {@code how} says for every request. */
  static Tier failing(String how) {
    return (url, headers) ->
        switch (how) {
          case "throws 404" -> throw HttpError.notFound("no such object");
          case "fails 502" ->
              CompletableFuture.failedFuture(
                  new HttpError(HttpResponseStatus.BAD_GATEWAY, "shard answered 500"));
          case "throws rejected" -> throw new RejectedExecutionException("queue full");
          case "fails rejected" ->
              CompletableFuture.failedFuture(new RejectedExecutionException("queue full"));
          case "throws bug" -> throw new IllegalStateException("a bug");
          default -> throw new IllegalArgumentException(how);
        };
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "throws 404,      404, ",
    "fails 502,       502, ",
    "throws rejected, 503, 1",
    "fails rejected,  503, 1",
    "throws bug,      500, ",
  })
  void tierFailure_answeredWithItsStatus_connectionKept(String how, int status, String retryAfter) {
    Http1Client c = new Http1Client(new ObjectServerHandler("n", failing(how), null, 16));
    List<Http1Client.Answer> answers = c.send(ObjectServerHandlerTest.get("/a.jpg")).read();
    assertThat(answers).hasSize(1);
    assertThat(answers.getFirst().status()).isEqualTo(status);
    assertThat(answers.getFirst().headers().get("retry-after")).isEqualTo(retryAfter);
    assertThat(answers.getFirst().headers().get("x-cache")).isEqualTo("n;error");
    assertThat(c.server.isOpen()).isTrue();
    assertFalse(c.finishAndReleaseAll());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "/a.jpg,          200, /a.jpg",
    "/a.jpg?w=1,      200, /a.jpg",
    "/,               200, /index.jpg",
    "/fast/a.jpg,     200, fast",
    "/a//b.jpg,       400, ",
    "a.jpg,           400, ",
  })
  void requestTarget_fastPathRewriteOrParse(String target, int status, String answeredAs) {
    AtomicInteger handled = new AtomicInteger();
    Tier tier =
        new Tier() {
          @Override
          public CompletableFuture<Reply> handle(
              ImageUrl url, io.netty.handler.codec.http.HttpHeaders headers) {
            handled.incrementAndGet();
            return CompletableFuture.completedFuture(ObjectServerHandlerTest.ok(url.path()));
          }

          @Override
          public ImageUrl rewrite(String path) {
            return path.equals("/") ? ImageUrl.parse("/index.jpg") : null;
          }

          @Override
          public Response fastPath(
              String requestTarget, io.netty.handler.codec.http.HttpHeaders headers) {
            return requestTarget.startsWith("/fast/") ? ObjectServerHandlerTest.ok("fast") : null;
          }
        };
    Http1Client c = new Http1Client(new ObjectServerHandler("n", tier, null, 16));
    List<Http1Client.Answer> answers = c.send(ObjectServerHandlerTest.get(target)).read();
    assertThat(answers).extracting(Http1Client.Answer::status).containsExactly(status);
    if (answeredAs != null) {
      assertThat(answers.getFirst().body()).isEqualTo(answeredAs);
      assertThat(handled.get()).isEqualTo(answeredAs.equals("fast") ? 0 : 1);
    }
    assertFalse(c.finishAndReleaseAll());
  }

  @Test
  void responseThatThrowsWhileWriting_connectionCutPendingAnswersDiscarded() {
    Response broken =
        new Response() {
          @Override
          public HttpResponseStatus status() {
            return HttpResponseStatus.OK;
          }

          @Override
          public String xCache() {
            return "n;hit";
          }

          @Override
          public void write(ResponseChannel out) {
            throw new IllegalStateException("a bug in a response");
          }
        };
    Http1Client c =
        new Http1Client(
            new ObjectServerHandler(
                "n", (url, headers) -> CompletableFuture.completedFuture(broken), null, 16));
    assertThat(c.send(ObjectServerHandlerTest.get("/a.jpg")).read()).isEmpty();
    assertThat(c.server.isOpen()).isFalse();
    assertFalse(c.finishAndReleaseAll());
  }

  @Test
  void observer_hearsProtocolMethodResponseAndBytes() {
    List<String> heard = new java.util.ArrayList<>();
    Reply reply = ObjectServerHandlerTest.ok("twelve bytes");
    Http1Client c =
        new Http1Client(
            new ObjectServerHandler(
                "n",
                (url, headers) -> CompletableFuture.completedFuture(reply),
                (protocol, method, response, status, bytes, nanos) ->
                    heard.add(
                        protocol.label()
                            + " "
                            + method
                            + " "
                            + (response == reply)
                            + " "
                            + bytes
                            + " "
                            + (nanos >= 0)),
                16));
    assertThat(c.send(ObjectServerHandlerTest.get("/a.jpg")).read()).hasSize(1);
    assertThat(heard).containsExactly("http/1.1 GET true 12 true");
    assertFalse(c.finishAndReleaseAll());
  }

  @Test
  void healthProbe_answered200WithoutTheTier_notObserved() {
    List<String> heard = new java.util.ArrayList<>();
    AtomicInteger asked = new AtomicInteger();
    Http1Client c =
        new Http1Client(
            new ObjectServerHandler(
                "n",
                (url, headers) -> {
                  asked.incrementAndGet();
                  return CompletableFuture.completedFuture(ObjectServerHandlerTest.ok("x"));
                },
                (protocol, method, response, status, bytes, nanos) ->
                    heard.add(method + " " + status),
                16));
    List<Http1Client.Answer> answers =
        c.send(
                ObjectServerHandlerTest.get(TierDispatch.HEALTH_PATH)
                    + ObjectServerHandlerTest.get(TierDispatch.HEALTH_PATH + "?from=lb")
                    + ObjectServerHandlerTest.get(TierDispatch.HEALTH_PATH + "x")
                    + ObjectServerHandlerTest.get("/a.jpg"))
            .read();
    assertThat(answers).extracting(Http1Client.Answer::status).containsExactly(200, 200, 200, 200);
    assertThat(answers)
        .extracting(a -> a.headers().get("x-cache"))
        .containsExactly("n;health", "n;health", "n;hit", "n;hit");
    assertThat(asked).as("only the key and /a.jpg reached the tier").hasValue(2);
    assertThat(heard).as("probes not counted").containsExactly("GET 200", "GET 200");
    assertFalse(c.finishAndReleaseAll());
  }
}
