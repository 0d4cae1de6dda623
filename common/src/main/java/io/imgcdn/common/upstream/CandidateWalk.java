package io.imgcdn.common.upstream;

import io.imgcdn.common.cluster.NodeHealth;
import io.imgcdn.common.http.HttpError;
import io.imgcdn.hashring.Node;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.List;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * One request's failover over a key's ring candidates, the policy every tier follows: which node to
 * try next, for how long, whether an answer is taken or the walk moves on, what each outcome means
 * for the node's health, and the error when no candidate is left. The caller sends the requests.
 * Not thread-safe: one attempt at a time, each begun after the previous one's outcome.
 */
public final class CandidateWalk {
  /*
   * Order: candidates come from the ring, owner first, so every node that routes a key tries the same
   * nodes in the same order and their caches stay disjoint. A walk that starts with a given node (the
   * shard that sent a relay, asked for the rest of it) tries that one whatever its health.
   * Health is asked lazily, only for the node about to be tried: NodeHealth.isUp hands out an ejected
   * node's one half-open probe, which would be lost on a node the request never tries. Down nodes are
   * skipped without counting as attempts; if no candidate is up, the owner is tried anyway, so a cluster
   * that came back is noticed without waiting for the ejection period.
   * Answers: a 4xx is final (another node would say the same). A transport failure or a 5xx of the
   * node's own moves on while a later candidate and time are left; the last attempt's 5xx is passed on
   * rather than replaced by one of ours. A 5xx the node relayed from further up (relayedFailure) is final
   * and the node healthy: the next candidate would ask the same upstream again.
   * Time: with a deadline, every attempt but the last gets at most the attempt timeout, so a silent node
   * cannot use up the deadline, and the last gets what is left; without one, each gets the attempt
   * timeout.
   * Health: a failure, or an answer that is a 5xx of the node's own, counts against the node; any other
   * answer counts for it, also one this side abandoned (its client left).
   * Planned restarts: a node that announced one (NodeHealth.isDraining: its health probe said 503
   * draining) and then refuses the connection, closes it before an answer or answers 503 of its own is
   * between its two processes: the walk holds on to it, trying it again every HOLD_RETRY, rather than
   * moving on to a candidate that does not hold its keys (whose misses would go to the origin). Holds
   * count neither as attempts nor against the node, and end when the announcement lapses (NodeHealth's
   * wait) or the deadline would; then the walk moves on as after a failure. A node that refuses without
   * an announcement crashed: the walk moves on at once.
   */

  /** How long a walk waits before it tries a restarting node again. */
  static final Duration HOLD_RETRY = Duration.ofMillis(100);

  /**
   * How far a walk goes: at most {@code attempts} nodes (down ones skipped do not count), each for
   * at most {@code attemptTimeout}, all within {@code deadline} from the walk's start (null: no
   * deadline).
   */
  public record Limits(int attempts, Duration attemptTimeout, @Nullable Duration deadline) {
    public Limits {
      if (attempts < 1) {
        throw new IllegalArgumentException("attempts: " + attempts + " (expected: >= 1)");
      }
    }
  }

  /**
   * One node to try.
   *
   * @param retry not the walk's first attempt
   * @param last no candidate is tried after this one: its answer, even a 5xx, is passed on
   * @param timeout what this attempt may take: for its response head, and for the body too where
   *     the caller says so (the edge, for a body it stores)
   * @param delay how long to wait before sending it: zero, or {@link #HOLD_RETRY} when the walk
   *     holds on to a node that restarts
   */
  public record Attempt(Node node, boolean retry, boolean last, Duration timeout, Duration delay) {
    /** An attempt sent at once. */
    public Attempt(Node node, boolean retry, boolean last, Duration timeout) {
      this(node, retry, last, timeout, Duration.ZERO);
    }
  }

  private final String role;
  private final List<Node> candidates;
  private final @Nullable Node first;
  private final NodeHealth health;
  private final int attempts;
  private final long attemptTimeoutNanos;
  private final boolean bounded;
  private final long deadline;
  private final LongSupplier clock;
  private int position;
  private int tried;
  private boolean outOfTime;
  private @Nullable Throwable lastFailure;
  private @Nullable Node held;
  private int holds;

  CandidateWalk(
      String role,
      @Nullable Node first,
      List<Node> candidates,
      NodeHealth health,
      Limits limits,
      LongSupplier clock) {
    this.role = role;
    this.first = first;
    this.candidates = candidates;
    this.health = health;
    this.attempts = limits.attempts();
    this.attemptTimeoutNanos = limits.attemptTimeout().toNanos();
    Duration budget = limits.deadline();
    this.bounded = budget != null;
    this.clock = clock;
    this.deadline = budget != null ? clock.getAsLong() + budget.toNanos() : 0;
  }

  /**
   * The owner first, then the next candidates that are up.
   *
   * @param role the tier the candidates belong to, for error messages ("shard", "origin")
   * @param candidates the key's nodes in ring order, owner first
   */
  public static CandidateWalk ownerFirst(
      String role, List<Node> candidates, NodeHealth health, Limits limits) {
    return new CandidateWalk(role, null, candidates, health, limits, System::nanoTime);
  }

  /** {@code first} whatever its health, then the other candidates that are up, in ring order. */
  public static CandidateWalk startingWith(
      Node first, String role, List<Node> candidates, NodeHealth health, Limits limits) {
    return new CandidateWalk(role, first, candidates, health, limits, System::nanoTime);
  }

  /**
   * The next node to try, or null when the walk is over: no candidate left, attempts or time used
   * up ({@link #unavailable} says which).
   */
  public @Nullable Attempt next() {
    if (first == null && candidates.isEmpty()) {
      return null;
    }
    long left = nanosLeft();
    if (left <= 0) {
      outOfTime = true;
      return null;
    }
    Node restarting = held;
    held = null;
    if (restarting != null) {
      if (health.isDraining(restarting.id()) && left > HOLD_RETRY.toNanos()) {
        holds++;
        boolean last = tried >= attempts || !candidatesLeft();
        long wait = left - HOLD_RETRY.toNanos();
        long timeout =
            !bounded ? attemptTimeoutNanos : last ? wait : Math.min(wait, attemptTimeoutNanos);
        return new Attempt(restarting, true, last, Duration.ofNanos(timeout), HOLD_RETRY);
      }
      health.failure(restarting.id()); // its announcement lapsed: a failure after all
    }
    if (tried >= attempts) {
      return null;
    }
    Node node;
    boolean fallback = false;
    if (tried == 0 && first != null) {
      node = first;
    } else {
      node = nextUp();
      if (node == null && tried > 0) {
        return null;
      }
      if (node == null) {
        node = candidates.get(0); // every candidate is down: the owner anyway
        position = candidates.size();
        fallback = true;
      }
    }
    tried++;
    boolean last = fallback || tried >= attempts || !candidatesLeft();
    long timeout =
        !bounded ? attemptTimeoutNanos : last ? left : Math.min(left, attemptTimeoutNanos);
    return new Attempt(node, tried > 1, last, Duration.ofNanos(timeout));
  }

  /** Asks health, in order, only until a node is up. */
  private @Nullable Node nextUp() {
    while (position < candidates.size()) {
      Node n = candidates.get(position++);
      if (!n.equals(first) && health.isUp(n.id())) {
        return n;
      }
    }
    return null;
  }

  private boolean candidatesLeft() {
    for (int i = position; i < candidates.size(); i++) {
      if (!candidates.get(i).equals(first)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the walk moves on from an answer whose head says {@code status} and {@code xCache}: for
   * a 5xx of the node's own while a later candidate and time are left. Then the answer counts
   * against the node, and the failure to move on with is returned; null: take the answer, and
   * report it with {@link #answered} when it is over.
   */
  public @Nullable UpstreamException refuses(Attempt attempt, int status, @Nullable String xCache) {
    if (status == 503
        && !relayedFailure(attempt.node().id(), status, xCache)
        && health.isDraining(attempt.node().id())) {
      // a restarting node's old process, refusing a request accepted as it stopped
      held = attempt.node();
      return new UpstreamException(
          UpstreamException.Kind.CLOSED, attempt.node().address(), "restarting", null);
    }
    if (attempt.last() || nanosLeft() <= 0 || healthy(attempt.node(), status, xCache)) {
      return null;
    }
    UpstreamException refused =
        new UpstreamException(
            UpstreamException.Kind.CLOSED, attempt.node().address(), "answered " + status, null);
    failed(attempt, refused);
    return refused;
  }

  /**
   * A taken answer is over (complete, or abandoned by this side): counts for the node, or against
   * it when it is a 5xx of the node's own.
   */
  public void answered(Attempt attempt, int status, @Nullable String xCache) {
    if (healthy(attempt.node(), status, xCache)) {
      health.success(attempt.node().id());
    } else {
      health.failure(attempt.node().id());
    }
  }

  /**
   * The attempt got no complete answer (connect failure, timeout, reset, a body cut short): counts
   * against the node, and decides between 502 and 504 if the walk ends here.
   */
  public void failed(Attempt attempt, Throwable failure) {
    lastFailure = failure;
    if (betweenProcesses(failure) && health.isDraining(attempt.node().id())) {
      held = attempt.node();
      return;
    }
    health.failure(attempt.node().id());
  }

  /** Times this walk tried a restarting node again rather than moving on. */
  public int holds() {
    return holds;
  }

  /** A failure a node shows while its old process stops and its new one starts. */
  private static boolean betweenProcesses(Throwable failure) {
    Throwable cause =
        failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    return cause instanceof UpstreamException ue
        && (ue.kind() == UpstreamException.Kind.CONNECT
            || ue.kind() == UpstreamException.Kind.CLOSED);
  }

  /** Time left before the deadline; Long.MAX_VALUE without one. */
  public long nanosLeft() {
    return bounded ? deadline - clock.getAsLong() : Long.MAX_VALUE;
  }

  /**
   * Why {@link #next} gave no node: 503 without candidates; 504 when the deadline passed or the
   * last failure was a timeout; 502 otherwise.
   */
  public HttpError unavailable() {
    if (first == null && candidates.isEmpty()) {
      return new HttpError(
          HttpResponseStatus.SERVICE_UNAVAILABLE, "no " + role + " nodes in the cluster file");
    }
    boolean timeout =
        outOfTime
            || lastFailure instanceof UpstreamException ue
                && ue.kind() == UpstreamException.Kind.TIMEOUT;
    return new HttpError(
        timeout ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.BAD_GATEWAY,
        role + " tier unavailable" + (timeout ? " (timeout)" : ""),
        lastFailure);
  }

  private static boolean healthy(Node node, int status, @Nullable String xCache) {
    return status < 500 || relayedFailure(node.id(), status, xCache);
  }

  /**
   * Whether a 5xx was relayed by a node that itself worked: its own X-Cache verdict comes first and
   * is not "error" ("shard-2;miss, origin-1;error", or "shard-2;miss" when no node of the next tier
   * answered it in time). The failure is further up (the next tier, S3), which the next candidate
   * would ask again; such an answer is final and the node is healthy.
   */
  public static boolean relayedFailure(String nodeId, int status, @Nullable String xCache) {
    return status >= 500
        && xCache != null
        && xCache.startsWith(nodeId + ";")
        && !xCache.startsWith(nodeId + ";error");
  }
}
