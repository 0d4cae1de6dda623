package io.imgcdn.edge.http;

import io.imgcdn.common.upstream.BodyFlow;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One upstream body too large for memory, relayed as it arrives to every client that asked for it, at
 * the pace of the slowest: the upstream connection is read only while no subscriber is blocked.
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
   * Memory per stream is then bounded by what is in flight: the client's write buffer up to its high
   * water mark, plus at most one upstream read (a few pieces of 64 KB) decoded after the pause.
   * Subscribers all join at the head, before the first piece (the flight closes then); later requests
   * for the same object start their own fetch. When the last subscriber leaves, the upstream response
   * is cancelled (its connection closed).
   */
  private final BodyFlow flow;
  private final FetchStats stats;
  private final Runnable onCancel;
  private final HttpHeaders headers;
  private final long length;
  private final List<StreamedResponse> subscribers = new CopyOnWriteArrayList<>();
  private final AtomicInteger blocked = new AtomicInteger();
  private final Runnable reconsider = this::reconsider;
  // upstream loop only:
  private boolean paused;
  private boolean finished;

  StreamBroadcast(HttpResponse head, BodyFlow flow, FetchStats stats, Runnable onCancel) {
    this.flow = flow;
    this.stats = stats;
    this.onCancel = onCancel;
    this.headers = head.headers();
    this.length = HttpUtil.getContentLength(head, -1L);
    if (length < 0) {
      throw new IllegalArgumentException("streamed response without Content-Length (expected: a known length)");
    }
  }

  long length() {
    return length;
  }

  String contentType() {
    return headers.get(HttpHeaderNames.CONTENT_TYPE, "application/octet-stream");
  }

  String etag() {
    return headers.get(HttpHeaderNames.ETAG, "");
  }

  /** The shard's Vary, passed on to every client (null when absent). */
  String vary() {
    return headers.get(HttpHeaderNames.VARY);
  }

  String cacheControl() {
    return headers.get(HttpHeaderNames.CACHE_CONTROL, "no-store");
  }

  /** A new subscriber answering with this X-Cache chain; call on the upstream loop, before the first piece. */
  StreamedResponse subscribe(String chain) {
    StreamedResponse s = new StreamedResponse(this, chain);
    blocked.incrementAndGet(); // until it starts writing
    subscribers.add(s);
    return s;
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

  /** A subscriber is done with the stream (finished, left early, or its client went away). Any thread. */
  void leave(StreamedResponse s, boolean wasBlocked) {
    subscribers.remove(s);
    if (wasBlocked) {
      blocked.decrementAndGet();
    }
    flow.executor().execute(() -> {
      if (subscribers.isEmpty() && !finished) {
        finish();
        flow.cancel(); // nobody left to send it to
        onCancel.run();
      } else {
        reconsider();
      }
    });
  }

  int subscribers() {
    return subscribers.size();
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
    boolean shouldPause = blocked.get() > 0;
    if (shouldPause != paused) {
      paused = shouldPause;
      if (shouldPause) {
        stats.pausedStreams.incrementAndGet();
        flow.pause();
      } else {
        stats.pausedStreams.decrementAndGet();
        flow.resume();
      }
    }
  }
}
