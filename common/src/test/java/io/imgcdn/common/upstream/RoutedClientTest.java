package io.imgcdn.common.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.imgcdn.common.cluster.NodeHealth;
import io.imgcdn.common.http.HttpError;
import io.imgcdn.common.http.HttpServer;
import io.imgcdn.common.http.ImageObject;
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
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The candidate walk over real servers on 127.0.0.1: two answering with a status and X-Cache chain
 * of the test's choosing, counting requests, and an address where nothing listens.
 */
class RoutedClientTest {
  static EventLoopGroup group;
  static final HttpServer[] servers = new HttpServer[2];
  static final AtomicInteger[] hits = {new AtomicInteger(), new AtomicInteger()};
  static final String[][] answer = new String[2][];

  /** The X-Imgcdn-Deadline of each server's last request. */
  static final String[] told = new String[2];

  static UpstreamClient client;
  static String refusing;

  @BeforeAll
  static void start() throws Exception {
    group = Transports.group(2, "routed-test");
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
                        told[n] = headers.get(Deadline.HEADER);
                        int status = Integer.parseInt(answer[n][0]);
                        byte[] body = ("from n" + n).getBytes(StandardCharsets.UTF_8);
                        return CompletableFuture.completedFuture(
                            status == 200
                                ? Reply.ok(
                                    new ImageObject("image/png", "\"e\"", "max-age=60", body),
                                    answer[n][1])
                                : Reply.error(
                                    HttpResponseStatus.valueOf(status), "answer", answer[n][1]));
                      },
                      null,
                      16));
    }
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      refusing = "127.0.0.1:" + s.getLocalPort(); // closed below: connections are refused
    }
    client =
        new UpstreamClient(
            group,
            new UpstreamSettings(Duration.ofMillis(500), Duration.ofSeconds(5), 4, 64, 1 << 20));
  }

  @AfterAll
  static void stop() {
    client.close();
    for (HttpServer s : servers) {
      s.shutdownGracefully(Duration.ZERO);
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @BeforeEach
  void reset() {
    for (int i = 0; i < 2; i++) {
      hits[i].set(0);
      answer[i] = new String[] {"200", "n" + i + ";hit"};
    }
  }

  static Node server(int i) {
    return new Node("n" + i, "127.0.0.1:" + servers[i].port(), 1);
  }

  /** A ketama ring of these nodes. */
  static NodeLocator ring(Node... nodes) {
    return HashRings.create(Placement.KETAMA, List.of(nodes));
  }

  static int index(Node n) {
    return Integer.parseInt(n.id().substring(1));
  }

  @Test
  void get_ownerErrorsOrRelays_nextTriedOnlyForItsOwnError() {
    NodeLocator ring = ring(server(0), server(1));
    int owner = index(ring.owner("key"));
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
  }

  @Test
  void get_withinADeadline_nodeToldHowLongItIsWaitedFor_noneAskedOnceSpent() {
    NodeLocator ring = ring(server(0), server(1));
    int owner = index(ring.owner("key"));
    RoutedClient routed = new RoutedClient(client, new NodeHealth(3, 60_000), 2);

    routed.get(ring, "key", "/x.jpg", null, "origin", Deadline.in(Duration.ofMillis(1500))).join();
    assertThat(Long.parseLong(told[owner])).isBetween(1L, 1500L);
    routed.get(ring, "key", "/x.jpg", null, "origin", null).join();
    assertThat(told[owner]).as("without a deadline: the response timeout").isEqualTo("5000");

    assertThatThrownBy(
            () ->
                routed
                    .get(ring, "key", "/x.jpg", null, "origin", Deadline.in(Duration.ZERO))
                    .join())
        .cause()
        .isInstanceOf(HttpError.class)
        .hasMessage("504 origin tier unavailable (timeout)");
    assertThat(hits[owner].get() + hits[1 - owner].get())
        .as("no request once the deadline is spent")
        .isEqualTo(2);
  }

  @Test
  void get_ownerAnswers_itsReplyWithOurVerdictInFront() {
    NodeLocator ring = ring(server(0), server(1));
    int owner = index(ring.owner("key"));
    RoutedClient routed = new RoutedClient(client, new NodeHealth(3, 60_000), 2);
    UpstreamResponse response = routed.get(ring, "key", "/x.jpg", "origin").join().response();
    Reply reply = response.toReply(Reply.chain("shard-1", "miss", response.xCache()));
    assertThat(reply.isOk()).isTrue();
    assertThat(reply.xCache()).isEqualTo("shard-1;miss, n" + owner + ";hit");
    assertThat(reply.object().contentType()).isEqualTo("image/png");
    assertThat(reply.object().etag()).isEqualTo("\"e\"");
    assertThat(reply.object().cacheControl()).isEqualTo("max-age=60");
    assertThat(new String(reply.object().body(), StandardCharsets.UTF_8))
        .isEqualTo("from n" + owner);
    assertThat(hits[1 - owner].get()).isZero();
  }

  /** Finds a node id whose ring puts the refusing address first for "key". */
  static NodeLocator ringWithRefusingOwner(Node answering) {
    for (int i = 0; ; i++) {
      Node dead = new Node("dead-" + i, refusing, 1);
      NodeLocator ring = ring(dead, answering);
      if (ring.owner("key").equals(dead)) {
        return ring;
      }
    }
  }

  @Test
  void get_ownerRefusesConnection_nextAnswers_ownerCountedAgainst() {
    NodeLocator ring = ringWithRefusingOwner(server(0));
    Node dead = ring.owner("key");
    NodeHealth health = new NodeHealth(3, 60_000);
    RoutedClient routed = new RoutedClient(client, health, 2);
    RoutedClient.Routed r = routed.get(ring, "key", "/x.jpg", "shard").join();
    assertThat(r.node().id()).isEqualTo("n0");
    assertThat(r.response().status()).isEqualTo(200);
    assertThat(health.view(dead.id()).consecutiveFailures()).isEqualTo(1);
  }

  @Test
  void get_nodeMarkedDown_skippedWithoutARequest() {
    NodeLocator ring = ring(server(0), server(1));
    int owner = index(ring.owner("key"));
    NodeHealth health = new NodeHealth(3, 60_000);
    health.markDown("n" + owner);
    RoutedClient routed = new RoutedClient(client, health, 1);
    RoutedClient.Routed r = routed.get(ring, "key", "/x.jpg", "shard").join();
    assertThat(r.node().id())
        .as("one attempt, not spent on the down owner")
        .isEqualTo("n" + (1 - owner));
    assertThat(hits[owner].get()).isZero();
  }

  @Test
  void get_allFail_502NamingTheRole_orTheLast5xxPassedOn() {
    NodeLocator ring = ringWithRefusingOwner(server(0));
    answer[0] = new String[] {"503", "n0;error"};
    RoutedClient routed = new RoutedClient(client, new NodeHealth(3, 60_000), 2);
    RoutedClient.Routed last = routed.get(ring, "key", "/x.jpg", "origin").join();
    assertThat(last.response().status()).as("the last attempt's own answer").isEqualTo(503);

    NodeLocator deadOnly = ring(ring.owner("key"));
    assertThatThrownBy(() -> routed.get(deadOnly, "key", "/x.jpg", "origin").join())
        .isInstanceOf(CompletionException.class)
        .cause()
        .isInstanceOf(HttpError.class)
        .satisfies(
            e -> {
              assertThat(((HttpError) e).status().code()).isEqualTo(502);
              assertThat(((HttpError) e).publicMessage()).isEqualTo("origin tier unavailable");
            });

    assertThatThrownBy(() -> routed.get(ring(), "key", "/x", "origin").join())
        .cause()
        .isInstanceOf(HttpError.class)
        .hasMessage("503 no origin nodes in the cluster file");
  }
}
