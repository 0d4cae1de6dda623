package io.imgcdn.common.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node's next process on the same port: both listen (SO_REUSEPORT), every new connection goes to
 * the newer one, and the old one, retired, says so to probes and closes each connection after its
 * next answer.
 */
class ReusePortTest {
  private final EventLoopGroup boss = Transports.group(1, "reuse-boss");
  private final EventLoopGroup workers = Transports.group(2, "reuse-io");
  private final Tier tier = (url, headers) -> CompletableFuture.failedFuture(new AssertionError());

  @AfterEach
  void stop() {
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  private HttpServer serve(String nodeId, int port) {
    ServerOptions options = ServerOptions.withIdleTimeout(Duration.ofSeconds(30));
    return HttpServer.bind(
        boss,
        workers,
        "127.0.0.1",
        port,
        options,
        () -> new ObjectServerHandler(nodeId, tier, null, options.maxPipelined()));
  }

  /** X-Cache of a health probe on a connection of its own, and its status. */
  private static String probe(int port) throws IOException, InterruptedException {
    try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + port + TierDispatch.HEALTH_PATH))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      return r.statusCode() + " " + r.headers().firstValue("x-cache").orElse("");
    }
  }

  @Test
  void newerProcessOnThePort_takesEveryNewConnection_olderRetiresThenCloses() throws Exception {
    assertThat(Transports.name()).as("the hand-over needs the epoll transport").isEqualTo("epoll");
    HttpServer old = serve("old", 0);
    int port = old.port();
    HttpServer next = null;
    try {
      assertThat(probe(port)).isEqualTo("200 old;health");
      next = serve("new", port);
      assertThat(next.port()).isEqualTo(port);
      Map<String, Integer> answeredBy = new HashMap<>();
      for (int i = 0; i < 40; i++) {
        answeredBy.merge(probe(port), 1, Integer::sum);
      }
      assertThat(answeredBy)
          .as("plain SO_REUSEPORT would spread these over both listeners")
          .containsExactly(Map.entry("200 new;health", 40));

      old.retire();
      assertThat(old.shutdownGracefully(Duration.ofSeconds(5))).isTrue();
      assertThat(probe(port)).isEqualTo("200 new;health");
    } finally {
      old.close();
      if (next != null) {
        next.close();
      }
    }
  }

  @Test
  void retiredServer_healthSaysDraining_untilItStops() throws Exception {
    HttpServer server = serve("n", 0);
    try {
      server.retire();
      assertThat(probe(server.port())).isEqualTo("503 n;draining");
    } finally {
      server.close();
    }
  }
}
