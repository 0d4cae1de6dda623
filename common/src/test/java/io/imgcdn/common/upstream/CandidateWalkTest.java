package io.imgcdn.common.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.cluster.NodeHealth;
import io.imgcdn.common.http.HttpError;
import io.imgcdn.hashring.Node;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The failover policy as plain logic: which node next, when an answer is taken, health, and the
 * error at the end; time from a clock the test moves. RoutedClientTest walks real servers.
 */
class CandidateWalkTest {
  static final Node N0 = new Node("n0", "127.0.0.1:7000", 1);
  static final Node N1 = new Node("n1", "127.0.0.1:7001", 1);
  static final Node N2 = new Node("n2", "127.0.0.1:7002", 1);
  static final List<Node> RING = List.of(N0, N1, N2);

  final AtomicLong now = new AtomicLong(1_000_000_000L);
  final NodeHealth health = new NodeHealth(2, 60_000); // two failures in a row eject

  CandidateWalk walk(int attempts, Duration deadline) {
    return new CandidateWalk(
        "shard",
        null,
        RING,
        health,
        new CandidateWalk.Limits(attempts, Duration.ofMillis(300), deadline),
        now::get);
  }

  static UpstreamException failure(Node node, UpstreamException.Kind kind) {
    return new UpstreamException(kind, node.address(), "test", null);
  }

  @Test
  void ownerAnswers_takenAndCountedForIt() {
    health.failure(N0.id());
    CandidateWalk w = walk(2, Duration.ofSeconds(5));
    CandidateWalk.Attempt a = w.next();
    assertThat(a.node()).isEqualTo(N0);
    assertThat(a.retry()).isFalse();
    assertThat(a.last()).isFalse();
    assertThat(a.timeout())
        .as("not the last: the attempt timeout")
        .isEqualTo(Duration.ofMillis(300));
    assertThat(w.refuses(a, 404, "n0;miss")).as("a 4xx is final").isNull();
    w.answered(a, 404, "n0;miss");
    assertThat(health.view(N0.id()).consecutiveFailures()).isZero();
  }

  @Test
  void ownerFails_nextCandidateIsARetry_ownerCountedDown() {
    CandidateWalk w = walk(3, Duration.ofSeconds(5));
    CandidateWalk.Attempt owner = w.next();
    w.failed(owner, failure(N0, UpstreamException.Kind.CONNECT));
    assertThat(health.view(N0.id()).consecutiveFailures()).isEqualTo(1);
    CandidateWalk.Attempt next = w.next();
    assertThat(next.node()).isEqualTo(N1);
    assertThat(next.retry()).isTrue();
  }

  @Test
  void owner503_movedOnAndCountedDown_relayed502Taken() {
    CandidateWalk w = walk(3, Duration.ofSeconds(5));
    CandidateWalk.Attempt owner = w.next();
    UpstreamException refused = w.refuses(owner, 503, "n0;error");
    assertThat(refused).isNotNull();
    assertThat(refused.getMessage()).contains("answered 503");
    assertThat(health.view(N0.id()).consecutiveFailures()).isEqualTo(1);
    health.failure(N1.id());

    CandidateWalk.Attempt next = w.next();
    assertThat(next.node()).isEqualTo(N1);
    assertThat(w.refuses(next, 502, "n1;miss, origin-1;error"))
        .as("the origin failed, not n1: another shard would ask it again")
        .isNull();
    w.answered(next, 502, "n1;miss, origin-1;error");
    assertThat(health.view(N1.id()).consecutiveFailures()).isZero();
  }

  @Test
  void lastAttempt5xx_takenAsItIs_andCountedAgainstTheNode() {
    CandidateWalk w = walk(2, Duration.ofSeconds(5));
    w.refuses(w.next(), 500, null);
    CandidateWalk.Attempt last = w.next();
    assertThat(last.last()).isTrue();
    assertThat(last.timeout())
        .as("the last gets what is left of the deadline")
        .isEqualTo(Duration.ofSeconds(5));
    assertThat(w.refuses(last, 500, null)).isNull();
    w.answered(last, 500, null);
    assertThat(health.view(N1.id()).consecutiveFailures()).isEqualTo(1);
    assertThat(w.next()).isNull();
  }

  @Test
  void allFail_502_or504WhenTheLastFailureTimedOut() {
    CandidateWalk w = walk(3, Duration.ofSeconds(5));
    CandidateWalk.Attempt a;
    while ((a = w.next()) != null) {
      w.failed(a, failure(a.node(), UpstreamException.Kind.CONNECT));
    }
    HttpError e = w.unavailable();
    assertThat(e.status().code()).isEqualTo(502);
    assertThat(e.publicMessage()).isEqualTo("shard tier unavailable");
    assertThat(e.getCause()).isInstanceOf(UpstreamException.class);

    RING.forEach(n -> health.success(n.id()));
    CandidateWalk timedOut = walk(2, Duration.ofSeconds(5));
    timedOut.failed(timedOut.next(), failure(N0, UpstreamException.Kind.CONNECT));
    timedOut.failed(timedOut.next(), failure(N1, UpstreamException.Kind.TIMEOUT));
    assertThat(timedOut.next()).isNull();
    assertThat(timedOut.unavailable().status().code()).isEqualTo(504);
    assertThat(timedOut.unavailable().publicMessage())
        .isEqualTo("shard tier unavailable (timeout)");
  }

  @Test
  void deadlineSpent_stops504_and5xxIsNoLongerMovedOnFrom() {
    CandidateWalk w = walk(3, Duration.ofSeconds(1));
    CandidateWalk.Attempt owner = w.next();
    now.addAndGet(Duration.ofMillis(900).toNanos());
    w.failed(owner, failure(N0, UpstreamException.Kind.CLOSED));
    CandidateWalk.Attempt next = w.next();
    assertThat(next.timeout()).as("capped by what is left").isEqualTo(Duration.ofMillis(100));
    now.addAndGet(Duration.ofMillis(200).toNanos());
    assertThat(w.refuses(next, 503, null)).as("no time for another").isNull();
    assertThat(w.nanosLeft()).isNegative();
    assertThat(w.next()).isNull();
    assertThat(w.unavailable().status().code()).isEqualTo(504);
  }

  @Test
  void restartAnnounced_refusedConnection_sameNodeAgainAfterADelay_notCountedAgainstIt() {
    health.draining(N0.id(), Duration.ofMinutes(1));
    CandidateWalk w = walk(2, Duration.ofSeconds(5));
    CandidateWalk.Attempt owner = w.next();
    w.failed(owner, failure(N0, UpstreamException.Kind.CONNECT));
    w.failed(owner, failure(N0, UpstreamException.Kind.CONNECT));
    assertThat(health.view(N0.id()).consecutiveFailures()).isZero();
    CandidateWalk.Attempt again = w.next();
    assertThat(again.node()).as("its keys wait for it").isEqualTo(N0);
    assertThat(again.delay()).isEqualTo(CandidateWalk.HOLD_RETRY);
    w.failed(again, failure(N0, UpstreamException.Kind.CLOSED));
    assertThat(w.next().node()).isEqualTo(N0);
    assertThat(w.holds()).isEqualTo(2);
    assertThat(health.isUp(N0.id())).isTrue();
  }

  @Test
  void restartAnnounced_503OfItsOwn_heldEvenOnTheLastAttempt() {
    health.draining(N0.id(), Duration.ofMinutes(1));
    CandidateWalk w = walk(1, Duration.ofSeconds(5));
    CandidateWalk.Attempt owner = w.next();
    assertThat(owner.last()).isTrue();
    assertThat(w.refuses(owner, 503, null)).as("its old process, as it stops").isNotNull();
    assertThat(w.next().node()).isEqualTo(N0);
  }

  @Test
  void restartOver_or_noAnnouncement_refusalMovesOnAtOnce() {
    health.draining(N0.id(), Duration.ofMinutes(1));
    health.restarted(N0.id());
    CandidateWalk w = walk(3, Duration.ofSeconds(5));
    CandidateWalk.Attempt owner = w.next();
    w.failed(owner, failure(N0, UpstreamException.Kind.CONNECT));
    CandidateWalk.Attempt next = w.next();
    assertThat(next.node()).as("a crash: the next candidate at once").isEqualTo(N1);
    assertThat(next.delay()).isZero();
    assertThat(health.view(N0.id()).consecutiveFailures()).isEqualTo(1);
  }

  @Test
  void restartAnnounced_deadlineNearlySpent_noHold() {
    health.draining(N0.id(), Duration.ofMinutes(1));
    CandidateWalk w = walk(3, Duration.ofSeconds(1));
    CandidateWalk.Attempt owner = w.next();
    now.addAndGet(Duration.ofMillis(950).toNanos());
    w.failed(owner, failure(N0, UpstreamException.Kind.CONNECT));
    CandidateWalk.Attempt next = w.next();
    assertThat(next.node()).as("no time to wait for it").isEqualTo(N1);
  }

  @Test
  void nodeMarkedDown_skippedWithoutCountingAsAnAttempt() {
    health.markDown(N0.id());
    CandidateWalk w = walk(2, null);
    CandidateWalk.Attempt first = w.next();
    assertThat(first.node()).isEqualTo(N1);
    assertThat(first.retry()).isFalse();
    assertThat(first.timeout())
        .as("no deadline: the attempt timeout")
        .isEqualTo(Duration.ofMillis(300));
    w.failed(first, failure(N1, UpstreamException.Kind.CONNECT));
    assertThat(w.next().node()).isEqualTo(N2);
  }

  @Test
  void everyCandidateDown_ownerTriedAnyway_asTheLast() {
    RING.forEach(n -> health.markDown(n.id()));
    CandidateWalk w = walk(3, Duration.ofSeconds(5));
    CandidateWalk.Attempt a = w.next();
    assertThat(a.node()).isEqualTo(N0);
    assertThat(a.last()).isTrue();
    w.failed(a, failure(N0, UpstreamException.Kind.CONNECT));
    assertThat(w.next()).isNull();
    assertThat(w.unavailable().status().code()).isEqualTo(502);
  }

  @Test
  void noCandidates_503NamingTheRole() {
    CandidateWalk w =
        CandidateWalk.ownerFirst(
            "origin", List.of(), health, new CandidateWalk.Limits(2, Duration.ofSeconds(1), null));
    assertThat(w.next()).isNull();
    assertThat(w.unavailable().status().code()).isEqualTo(503);
    assertThat(w.unavailable().publicMessage()).isEqualTo("no origin nodes in the cluster file");
  }

  @Test
  void startingWith_thatNodeFirstWhateverItsHealth_thenTheOthersThatAreUp() {
    health.markDown(N1.id());
    health.markDown(N0.id());
    CandidateWalk w =
        CandidateWalk.startingWith(
            N1, "shard", RING, health, new CandidateWalk.Limits(3, Duration.ofSeconds(1), null));
    CandidateWalk.Attempt sender = w.next();
    assertThat(sender.node()).isEqualTo(N1);
    w.failed(sender, failure(N1, UpstreamException.Kind.CONNECT));
    CandidateWalk.Attempt next = w.next();
    assertThat(next.node()).as("n0 is down, n1 was tried").isEqualTo(N2);
    assertThat(next.last()).isTrue();
    w.failed(next, failure(N2, UpstreamException.Kind.CONNECT));
    assertThat(w.next()).isNull();
  }

  @Test
  void relayedFailure_ownVerdictNotError_isFinal() {
    assertThat(CandidateWalk.relayedFailure("shard-2", 502, "shard-2;miss, origin-1;error"))
        .isTrue();
    assertThat(CandidateWalk.relayedFailure("shard-2", 504, "shard-2;miss"))
        .as("no origin answered the shard's fill in time: the shard worked")
        .isTrue();
    assertThat(CandidateWalk.relayedFailure("shard-2", 503, "shard-2;error")).isFalse();
    assertThat(CandidateWalk.relayedFailure("shard-2", 404, "shard-2;miss, origin-1;miss"))
        .isFalse();
    assertThat(CandidateWalk.relayedFailure("shard-2", 502, "shard-22;miss")).isFalse();
    assertThat(CandidateWalk.relayedFailure("shard-2", 502, null)).isFalse();
  }
}
