package io.imgcdn.edge.status;

import io.imgcdn.common.http.Protocol;
import io.imgcdn.common.http.Response;
import io.imgcdn.common.http.ResponseObserver;
import io.imgcdn.common.http.Tier;
import io.imgcdn.common.url.ImageUrl;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One serving connection's view for the status page: stands between the connection's handler and
 * the edge's tier (passing every call through unchanged) to learn which key each response answers,
 * and counts every finished response into the tier verdicts and the top keys before passing it to
 * the next observer.
 */
public final class ConnectionTap implements Tier, ResponseObserver {
  /*
   * Why per connection: the handler's observer hears of a finished response, not of its key. Each answer
   * the tier gives (a Response from fastPath, a future from handle) is remembered with its key in a small
   * ring; when a response finishes, it is matched by identity (the handler passes on the very object the
   * tier produced). Everything of one connection runs on its event loop, so the ring needs no lock. A
   * connection has about maxPipelined requests in flight (the handler stops reading there, but requests
   * already in the buffer it is decoding still arrive), so the ring holds twice that; an answer pushed
   * out of it only loses its top-keys count. An answer the handler replaced (a failed future becomes an
   * error reply) is never matched and is overwritten later. Requests that never reach the tier (malformed ones) have no key and are counted
   * only in the tier verdicts.
   * Hit path cost: two array stores, an identity scan of the (usually one) pending answer, the verdict
   * counters and one uncontended lock around an O(1) Space-Saving update. Nothing is allocated.
   * If the Tier interface gains a method, delegate it here too.
   */
  private static final Logger LOG = LoggerFactory.getLogger(ConnectionTap.class);
  private static final AtomicBoolean REPORTED = new AtomicBoolean();
  private final Tier tier;
  private final ResponseObserver next;
  private final TierCounters tiers;
  private final TopKeys topKeys;
  private final @Nullable Object[] answers;
  private final @Nullable String[] keys;
  private int nextSlot;
  private TopKeys.@Nullable Summary summary; // on the first response

  ConnectionTap(
      Tier tier, ResponseObserver next, TierCounters tiers, TopKeys topKeys, int maxPipelined) {
    this.tier = tier;
    this.next = next;
    this.tiers = tiers;
    this.topKeys = topKeys;
    this.answers = new Object[2 * maxPipelined];
    this.keys = new String[2 * maxPipelined];
  }

  @Override
  public CompletableFuture<? extends Response> handle(ImageUrl url, HttpHeaders requestHeaders) {
    CompletableFuture<? extends Response> answer = tier.handle(url, requestHeaders);
    remember(answer, url.path());
    return answer;
  }

  @Override
  public boolean answersPreflight() {
    return tier.answersPreflight();
  }

  @Override
  public @Nullable Response preflight(String requestTarget, HttpHeaders requestHeaders) {
    return tier.preflight(requestTarget, requestHeaders);
  }

  @Override
  public void decorate(String requestTarget, HttpResponse head) {
    tier.decorate(requestTarget, head);
  }

  @Override
  public @Nullable ImageUrl rewrite(String path) {
    return tier.rewrite(path);
  }

  @Override
  public @Nullable Response fastPath(String requestTarget, HttpHeaders requestHeaders) {
    Response hit = tier.fastPath(requestTarget, requestHeaders);
    if (hit != null) {
      remember(hit, requestTarget); // the edge answers only targets equal to their key here
    }
    return hit;
  }

  private void remember(Object answer, String key) {
    answers[nextSlot] = answer;
    keys[nextSlot] = key;
    nextSlot = nextSlot + 1 == answers.length ? 0 : nextSlot + 1;
  }

  @Override
  public void completed(
      Protocol protocol,
      HttpMethod method,
      Response response,
      int status,
      long bodyBytes,
      long nanos) {
    if (next != null) {
      next.completed(protocol, method, response, status, bodyBytes, nanos);
    }
    try {
      tiers.record(response.xCache(), bodyBytes);
      String key = take(response);
      if (key != null) {
        if (summary == null) {
          summary = topKeys.summaryForCurrentThread();
        }
        topKeys.add(summary, key, bodyBytes);
      }
    } catch (RuntimeException e) {
      // Counting for a status page must never break serving: report the bug once, keep the
      // connection.
      if (!REPORTED.getAndSet(true)) {
        LOG.error("status page counting failed (reported once)", e);
      }
    }
  }

  /**
   * The key of {@code response} if the tier produced it on this connection; forgets the pairing.
   */
  private @Nullable String take(Response response) {
    // Oldest first: responses finish in request order, so the match is usually the first one looked
    // at.
    for (int n = 0, i = nextSlot;
        n < answers.length;
        n++, i = i + 1 == answers.length ? 0 : i + 1) {
      Object a = answers[i];
      if (a == response
          || a instanceof CompletableFuture<?> f
              && f.state() == Future.State.SUCCESS
              && f.resultNow() == response) {
        String key = keys[i];
        answers[i] = null;
        keys[i] = null;
        return key;
      }
    }
    return null;
  }
}
