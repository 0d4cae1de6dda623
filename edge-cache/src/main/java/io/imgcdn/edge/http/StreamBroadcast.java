package io.imgcdn.edge.http;

import io.imgcdn.common.upstream.BodyFlow;
import io.imgcdn.common.upstream.BodyReceiver;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One upstream body too large for memory, relayed as it arrives to every client that asked for it,
 * at the pace of the slowest: the upstream connection is read only while no subscriber is blocked.
 * A client that holds the others back for long is moved onto an upstream request of its own for the
 * rest.
 */
final class StreamBroadcast {
  /*
   * Pieces arrive on the upstream connection's event loop; each subscriber gets a retained duplicate
   * (same memory, own indexes) and writes it on its own client connection's loop. A subscriber is
   * "blocked" until it starts writing (its response may wait behind earlier pipelined ones) and while
   * its connection is not writable (the client reads slower than the shard sends). The number of blocked
   * subscribers is counted atomically; every change schedules a re-evaluation on the upstream loop,
   * which pauses or resumes the upstream flow from the count it sees then, so the last word always
   * matches the current state whatever order the changes raced in.
   * The blocked count alone does not bound memory: a subscriber is unblocked whenever its connection is
   * writable at the moment its loop looks, and between two looks the upstream loop keeps queueing pieces
   * for it. A client that reads nothing flips writable/unwritable every ~64 KB while the kernel grows its
   * send buffer; a re-evaluation that runs in an unblocked moment resumes (or never pauses) the flow, and
   * with the client loop busy with other connections the queue outgrew the socket: EdgeSlowClientsTest
   * saw relays read the whole 15 MB picture into a queue while the client had received 2-4 MB. So the
   * relay also pauses while any subscriber has StreamedResponse.QUEUE_LIMIT bytes or more queued: checked
   * on this loop after every piece (the only place a queue grows), and re-evaluated when a client loop
   * drains a queue below the limit (StreamedResponse reports that crossing, once per crossing).
   * Memory per stream is then bounded by what is in flight: the client's write buffer up to its high
   * water mark, the queue up to the limit, plus at most one upstream read (a few pieces of 64 KB)
   * decoded after the pause.
   * Subscribers all join at the head, before the first piece (the flight closes then); later requests
   * for the same object start their own fetch. When the last subscriber leaves, the upstream response
   * is cancelled (its connection closed).
   *
   * Laggards: pacing everyone by the slowest means one phone on a bad network holds a 15 MB picture
   * back for every other client of the relay. While the relay is paused, a check runs every quarter of
   * edge.stream.detach-after: a subscriber that is blocked now, has been blocked for at least that long
   * in total, while another subscriber has been blocked for at most half as long, is detached. Detaching
   * is a hand-over without a gap or an overlap in the bytes: the subscriber stops reporting to this relay
   * (its client loop), then on this relay's loop - where every piece is offered - it is removed and a
   * Detached marker carrying the number of body bytes it was offered is queued after them. When its
   * client has drained up to the marker, it asks the shard for the rest (Range from that offset, If-Range
   * with the ETag, so a changed object cannot be spliced in: anything but the exact 206 cuts the
   * response) and that response becomes its own relay of one subscriber. Without an ETag nobody is
   * detached. Memory stays bounded as before: one relay per detached client, paced by it.
   *
   * Releasing: a paused relay holds its shard connection (that is the backpressure), so clients that stop
   * reading large objects could take every pooled connection to a shard (edge.upstream.max-connections)
   * and starve its other misses. When every subscriber of a paused relay has been blocked without a break
   * for edge.stream.release-after, all of them are detached at once, which leaves the relay empty and
   * cancels its shard response (the connection closes: it is mid-body). Each client then asks for the
   * rest, as a detached one does, when it has drained what it was sent - if it ever reads again.
   * A detached client's own relay is released the same way (its Range continues from where it was).
   */
  /** Starts a request for bytes {@code from..to} of this object, validated by its ETag. */
  interface RestFetch {
    void start(long from, long to, String etag, BodyReceiver receiver);
  }

  /**
   * Queued to a detached subscriber after the last piece it was offered here: fetch the rest from
   * there.
   */
  record Detached(long offset, StreamBroadcast from) {}

  private final BodyFlow flow;
  private final FetchStats stats;
  private final Runnable onCancel;
  private final long detachAfterNanos;
  private final long releaseAfterNanos;

  /**
   * How often a paused relay looks for laggards and stalls; 0 when it never detaches nor releases.
   */
  private final long checkEveryNanos;

  private final RestFetch restFetch;
  private final Runnable checkLaggards = this::checkLaggards;
  private final HttpHeaders headers;
  private final long length;
  private final long objectLength;
  private final List<StreamedResponse> subscribers = new CopyOnWriteArrayList<>();
  private final AtomicInteger blocked = new AtomicInteger();
  private final Runnable reconsider = this::reconsider;
  // upstream loop only:
  private boolean paused;
  private boolean finished;
  private boolean checkScheduled;

  /** A relay that never detaches nor releases anyone. */
  StreamBroadcast(HttpResponse head, BodyFlow flow, FetchStats stats, Runnable onCancel) {
    this(head, flow, stats, onCancel, 0, 0, null);
  }

  /**
   * @param detachAfterNanos blocked time after which a subscriber holding others back is detached;
   *     0: never
   * @param releaseAfterNanos time every subscriber must have been blocked without a break before
   *     the relay lets go of its shard connection; 0: never
   * @param restFetch how a detached subscriber fetches the rest; null: never detach nor release
   */
  StreamBroadcast(
      HttpResponse head,
      BodyFlow flow,
      FetchStats stats,
      Runnable onCancel,
      long detachAfterNanos,
      long releaseAfterNanos,
      RestFetch restFetch) {
    this.flow = flow;
    this.stats = stats;
    this.onCancel = onCancel;
    this.detachAfterNanos = detachAfterNanos;
    this.releaseAfterNanos = releaseAfterNanos;
    // A quarter of the shorter of the two (the ones that are on), at least 10 ms; 0: no checks.
    long shorter =
        Math.min(
            detachAfterNanos > 0 ? detachAfterNanos : Long.MAX_VALUE,
            releaseAfterNanos > 0 ? releaseAfterNanos : Long.MAX_VALUE);
    this.checkEveryNanos = shorter == Long.MAX_VALUE ? 0 : Math.max(10_000_000L, shorter / 4);
    this.restFetch = restFetch;
    this.headers = head.headers();
    this.length = HttpUtil.getContentLength(head, -1L);
    if (length < 0) {
      throw new IllegalArgumentException(
          "streamed response without Content-Length (expected: a known length)");
    }
    this.objectLength = objectLength(headers.get(HttpHeaderNames.CONTENT_RANGE), length);
  }

  /** The whole object's length: a 206's "bytes first-last/total", else the body's. */
  private static long objectLength(String contentRange, long bodyLength) {
    int slash = contentRange == null ? -1 : contentRange.lastIndexOf('/');
    if (slash < 0) {
      return bodyLength;
    }
    try {
      return Long.parseLong(contentRange.substring(slash + 1).strip());
    } catch (NumberFormatException e) {
      return bodyLength; // "*" or garbage: a rest request's expected range then fails and cuts,
      // never splices
    }
  }

  /** This relay's body length (of a detached client's own relay: the rest it asked for). */
  long length() {
    return length;
  }

  /** The length of the whole object this relay carries (all or a tail of). */
  long objectLength() {
    return objectLength;
  }

  long releaseAfterNanos() {
    return releaseAfterNanos;
  }

  String contentType() {
    return headers.get(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
  }

  String etag() {
    return headers.get(HttpHeaderNames.ETAG, "");
  }

  String lastModified() {
    return headers.get(HttpHeaderNames.LAST_MODIFIED, "");
  }

  /** The shard's Vary, passed on to every client (null when absent). */
  String vary() {
    return headers.get(HttpHeaderNames.VARY);
  }

  String cacheControl() {
    return headers.get(HttpHeaderNames.CACHE_CONTROL, "no-store");
  }

  FetchStats stats() {
    return stats;
  }

  RestFetch restFetch() {
    return restFetch;
  }

  /**
   * A new subscriber answering with this X-Cache chain; call on the upstream loop, before the first
   * piece.
   */
  StreamedResponse subscribe(String chain) {
    StreamedResponse s = new StreamedResponse(this, chain);
    blocked.incrementAndGet(); // until it starts writing
    subscribers.add(s);
    return s;
  }

  /**
   * Takes over a subscriber detached from another relay, as its only source from now on; counted
   * blocked until its client loop has switched over (StreamedResponse.attach). Upstream loop,
   * before any piece.
   */
  void adopt(StreamedResponse s) {
    blocked.incrementAndGet();
    subscribers.add(s);
    s.attachLater(this);
  }

  /**
   * Second half of a detach, after the subscriber stopped reporting here: removes it and queues the
   * marker behind the pieces it was offered. Any thread; runs on the upstream loop.
   */
  void detach(StreamedResponse s, boolean wasBlocked) {
    if (wasBlocked) {
      blocked.decrementAndGet();
    }
    flow.executor()
        .execute(
            () -> {
              subscribers.remove(s);
              stats.detached.increment();
              s.offer(new Detached(s.offeredBytes(), this));
              cancelIfNobodyLeft();
            });
  }

  /** All subscribers are in: apply their (blocked) state. Upstream loop. */
  void start() {
    stats.openStreams.incrementAndGet();
    reconsider();
  }

  /** A body piece, handed to every subscriber; consumed. Upstream loop. */
  void piece(ByteBuf piece) {
    try {
      for (StreamedResponse s : subscribers) {
        s.offer(piece.retainedDuplicate());
      }
    } finally {
      piece.release();
    }
    if (!paused) {
      reconsider(); // a queue may have reached its limit: pause before the next read, not after a
      // client loop looked
    }
  }

  /** The body is complete. Upstream loop. */
  void end() {
    finish();
    for (StreamedResponse s : subscribers) {
      s.offer(StreamedResponse.END);
    }
  }

  /** The upstream broke mid-body: every subscriber's response is cut. Upstream loop. */
  void abort() {
    if (!finished) {
      stats.streamAborts.increment();
    }
    finish();
    for (StreamedResponse s : subscribers) {
      s.offer(StreamedResponse.ABORT);
    }
  }

  /** A subscriber became blocked (+1) or unblocked (-1). Any thread. */
  void blockedChanged(int delta) {
    blocked.addAndGet(delta);
    flow.executor().execute(reconsider);
  }

  /**
   * A subscriber's queue went below StreamedResponse.QUEUE_LIMIT: the relay may read again. Any
   * thread.
   */
  void queueDrained() {
    flow.executor().execute(reconsider);
  }

  /**
   * A subscriber is done with the stream (finished, left early, or its client went away). Any
   * thread.
   */
  void leave(StreamedResponse s, boolean wasBlocked) {
    subscribers.remove(s);
    if (wasBlocked) {
      blocked.decrementAndGet();
    }
    flow.executor().execute(this::cancelIfNobodyLeft);
  }

  int subscribers() {
    return subscribers.size();
  }

  /**
   * After a subscriber left or was detached: cancel the upstream if it was the last one, else
   * re-pace. Upstream loop.
   */
  private void cancelIfNobodyLeft() {
    if (subscribers.isEmpty() && !finished) {
      stats.streamCancels.increment();
      finish();
      flow.cancel(); // nobody left to send it to
      onCancel.run();
    } else {
      reconsider();
    }
  }

  private void finish() {
    if (!finished) {
      finished = true;
      stats.openStreams.decrementAndGet();
      if (paused) {
        paused = false;
        stats.pausedStreams.decrementAndGet();
      }
    }
  }

  private void reconsider() {
    if (finished) {
      return;
    }
    boolean shouldPause = blocked.get() > 0 || aQueueIsFull();
    if (shouldPause != paused) {
      paused = shouldPause;
      if (shouldPause) {
        stats.pausedStreams.incrementAndGet();
        flow.pause();
        scheduleLaggardCheck();
      } else {
        stats.pausedStreams.decrementAndGet();
        flow.resume();
      }
    }
  }

  private boolean aQueueIsFull() {
    for (StreamedResponse s : subscribers) {
      if (s.queueFull()) {
        return true;
      }
    }
    return false;
  }

  private void scheduleLaggardCheck() {
    if (checkEveryNanos > 0 && restFetch != null && !checkScheduled && !etag().isEmpty()) {
      checkScheduled = true;
      flow.executor().schedule(checkLaggards, checkEveryNanos, TimeUnit.NANOSECONDS);
    }
  }

  /**
   * While paused: lets go of the shard connection if every subscriber has stalled (see above), else
   * detaches the subscriber that holds the others back, if one does. Upstream loop.
   */
  private void checkLaggards() {
    checkScheduled = false;
    if (finished || !paused) {
      return;
    }
    long now = System.nanoTime();
    if (releaseAfterNanos > 0 && everyoneStalled(now)) {
      stats.released.increment();
      for (StreamedResponse s : subscribers) {
        s.detachFrom(this); // the last detach empties the relay, which cancels the shard response
      }
      return;
    }
    if (detachAfterNanos > 0 && subscribers.size() >= 2) {
      StreamedResponse worst = null;
      long worstNanos = -1;
      long least = Long.MAX_VALUE;
      for (StreamedResponse s : subscribers) {
        long b = s.blockedNanos(now);
        least = Math.min(least, b);
        if (s.detachable() && b > worstNanos) {
          worst = s;
          worstNanos = b;
        }
      }
      if (worst != null && worstNanos >= detachAfterNanos && least <= worstNanos / 2) {
        worst.detachFrom(this);
      }
    }
    scheduleLaggardCheck(); // again while still paused; the check itself ends when the relay runs
    // or ends
  }

  private boolean everyoneStalled(long now) {
    if (subscribers.isEmpty()) {
      return false;
    }
    for (StreamedResponse s : subscribers) {
      if (!s.detachable() || s.stalledNanos(now) < releaseAfterNanos) {
        return false;
      }
    }
    return true;
  }
}
