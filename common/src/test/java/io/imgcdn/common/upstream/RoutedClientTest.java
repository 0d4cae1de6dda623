package io.imgcdn.common.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.cluster.NodeHealth;
import io.imgcdn.common.http.HttpServer;
import io.imgcdn.common.http.ObjectServerHandler;
import io.imgcdn.common.http.Reply;
import io.imgcdn.common.http.ServerOptions;
import io.imgcdn.common.http.Transports;
import io.imgcdn.hashring.HashRings;
import io.imgcdn.hashring.Node;
import io.imgcdn.hashring.NodeLocator;
import io.imgcdn.hashring.Placement;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RoutedClientTest {

  @Test
  void relayedFailure_ownVerdictNotError_isFinal() {
    assertThat(RoutedClient.relayedFailure("shard-2", 502, "shard-2;miss, origin-1;error"))
        .isTrue();
    assertThat(RoutedClient.relayedFailure("shard-2", 503, "shard-2;error")).isFalse();
    assertThat(RoutedClient.relayedFailure("shard-2", 404, "shard-2;miss, origin-1;miss"))
        .isFalse();
    assertThat(RoutedClient.relayedFailure("shard-2", 502, "shard-22;miss")).isFalse();
    assertThat(RoutedClient.relayedFailure("shard-2", 502, null)).isFalse();
  }

  /** Two nodes answering with a status and X-Cache chain of our choosing, counting requests. */
  @Test
  void get_ownerErrorsOrRelays_nextTriedOnlyForItsOwnError() throws Exception {
    EventLoopGroup group = Transports.group(2, "routed-test");
    AtomicInteger[] hits = {new AtomicInteger(), new AtomicInteger()};
    String[][] answer = new String[2][];
    HttpServer[] servers = new HttpServer[2];
    for (int i = 0; i < 2; i++) {
      int n = i;
      servers[i] =
          HttpServer.bind(
              group,
              group,
              "127.0.0.1",
              0,
              ServerOptions.withIdleTimeout(Duration.ofSeconds(30)),
              () ->
                  new ObjectServerHandler(
                      "n" + n,
                      (url, headers) -> {
                        hits[n].incrementAndGet();
                        return CompletableFuture.completedFuture(
                            Reply.error(
                                HttpResponseStatus.valueOf(Integer.parseInt(answer[n][0])),
                                "answer",
                                answer[n][1]));
                      },
                      null,
                      16));
    }
    try (UpstreamClient client =
        new UpstreamClient(
            group,
            new UpstreamSettings(Duration.ofMillis(500), Duration.ofSeconds(5), 4, 64, 1 << 20))) {
      List<Node> nodes =
          List.of(
              new Node("n0", "127.0.0.1:" + servers[0].port(), 1),
              new Node("n1", "127.0.0.1:" + servers[1].port(), 1));
      NodeLocator ring = HashRings.create(Placement.KETAMA, nodes);
      int owner = ring.owner("key").id().equals("n0") ? 0 : 1;
      int other = 1 - owner;
      RoutedClient routed = new RoutedClient(client, new NodeHealth(3, 60_000), 2);

      answer[owner] = new String[] {"503", "n" + owner + ";error"};
      answer[other] = new String[] {"404", "n" + other + ";miss"};
      RoutedClient.Routed r = routed.get(ring, "key", "/x.jpg", "shard").join();
      assertThat(r.node().id()).isEqualTo("n" + other);
      assertThat(hits[owner].get()).isEqualTo(1);

      answer[owner] = new String[] {"502", "n" + owner + ";miss, origin-1;error"};
      r = routed.get(ring, "key", "/x.jpg", "shard").join();
      assertThat(r.node().id()).isEqualTo("n" + owner);
      assertThat(r.response().status()).isEqualTo(502);
      assertThat(hits[other].get())
          .as("a relayed origin failure is not asked of the next node")
          .isEqualTo(1);
    } finally {
      for (HttpServer s : servers) {
        s.shutdownGracefully(Duration.ZERO);
      }
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }
}
