package io.imgcdn.edge.status;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.http.Protocol;
import io.imgcdn.common.http.Response;
import io.imgcdn.common.http.ResponseChannel;
import io.imgcdn.common.url.ImageUrl;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ConnectionTapTest {
  record Answer(String xCache) implements Response {
    @Override
    public HttpResponseStatus status() {
      return HttpResponseStatus.OK;
    }

    @Override
    public void write(ResponseChannel out) {}
  }

  /**
   * A tier that answers /hit.jpg on the fast path and everything else with a future the test
   * completes.
   */
  static final class Tier implements io.imgcdn.common.http.Tier {
    final Answer hit = new Answer("edge-1;hit");
    final Map<String, CompletableFuture<Response>> pending = new java.util.HashMap<>();

    @Override
    public CompletableFuture<? extends Response> handle(ImageUrl url, HttpHeaders requestHeaders) {
      return pending.computeIfAbsent(url.path(), k -> new CompletableFuture<>());
    }

    @Override
    public Response fastPath(String requestTarget, HttpHeaders requestHeaders) {
      return requestTarget.equals("/hit.jpg") ? hit : null;
    }
  }

  private final TierCounters tiers = new TierCounters("edge-1", List::of);
  private final TopKeys topKeys = new TopKeys(16, Duration.ofMinutes(1));
  private final List<Response> observed = new ArrayList<>();
  private final Tier tier = new Tier();
  private final ConnectionTap tap =
      new ConnectionTap(tier, (p, m, r, s, b, n) -> observed.add(r), tiers, topKeys, 4);

  @Test
  void completed_pipelinedAnswersFinishingOutOfOrder_eachCountedUnderItsKey() {
    CompletableFuture<? extends Response> a =
        tap.handle(ImageUrl.parse("/a.jpg"), EmptyHttpHeaders.INSTANCE);
    CompletableFuture<? extends Response> b =
        tap.handle(ImageUrl.parse("/b.jpg"), EmptyHttpHeaders.INSTANCE);
    Response hit = tap.fastPath("/hit.jpg", EmptyHttpHeaders.INSTANCE);
    Answer bAnswer = new Answer("edge-1;miss, shard-1;hit");
    Answer aAnswer = new Answer("edge-1;miss, shard-1;hit");
    tier.pending.get("/b.jpg").complete(bAnswer);
    tier.pending.get("/a.jpg").complete(aAnswer);
    assertThat(a.join()).isSameAs(aAnswer);
    assertThat(b.join()).isSameAs(bAnswer);

    tap.completed(Protocol.HTTP_1_1, HttpMethod.GET, aAnswer, 200, 10, 1);
    tap.completed(Protocol.HTTP_1_1, HttpMethod.GET, bAnswer, 200, 20, 1);
    tap.completed(Protocol.HTTP_1_1, HttpMethod.GET, hit, 200, 30, 1);
    tap.completed(
        Protocol.HTTP_1_1,
        HttpMethod.GET,
        new Answer("edge-1;error"),
        502,
        5,
        1); // never came from the tier: no key

    assertThat(observed).hasSize(4).startsWith(aAnswer, bAnswer, hit);
    assertThat(topKeys.current(10).keys())
        .containsExactly(
            new HeavyHitters.Entry("/a.jpg", 1, 0, 10),
            new HeavyHitters.Entry("/b.jpg", 1, 0, 20),
            new HeavyHitters.Entry("/hit.jpg", 1, 0, 30));
    assertThat(tiers.objects(TierCounters.Tier.EDGE, TierCounters.Verdict.HIT)).isEqualTo(1);
    assertThat(tiers.objects(TierCounters.Tier.EDGE, TierCounters.Verdict.MISS)).isEqualTo(2);
    assertThat(tiers.objects(TierCounters.Tier.EDGE, TierCounters.Verdict.ERROR)).isEqualTo(1);

    topKeys.rotate();
    assertThat(topKeys.current(10).keys()).isEmpty();
    assertThat(topKeys.last(1).keys()).containsExactly(new HeavyHitters.Entry("/a.jpg", 1, 0, 10));
    assertThat(topKeys.last(10).requests()).isEqualTo(3);
  }

  @Test
  void completed_hitPath_allocatesNothing() {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    ConnectionTap quiet = new ConnectionTap(tier, null, tiers, topKeys, 16);
    String[] targets = new String[64];
    for (int i = 0; i < targets.length; i++) {
      targets[i] =
          new String("/hit.jpg"); // a fresh String per request target, as the decoder gives
    }
    Runnable hits =
        () -> {
          for (int i = 0; i < 200_000; i++) {
            Response r = quiet.fastPath(targets[i & 63], EmptyHttpHeaders.INSTANCE);
            quiet.completed(Protocol.HTTP_1_1, HttpMethod.GET, r, 200, 1_000, 1);
          }
        };
    hits.run(); // warm-up: the thread's summary, JIT
    long before = threads.getCurrentThreadAllocatedBytes();
    hits.run();
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    assertThat(allocated).as("bytes allocated by 200,000 hits").isLessThan(4_096);
    assertThat(topKeys.current(1).keys().getFirst().count()).isEqualTo(400_000);
  }
}
