package io.imgcdn.edge.http;

import io.imgcdn.common.http.HttpDates;
import io.imgcdn.common.http.ObjectResponses;
import io.imgcdn.common.http.Response;
import io.imgcdn.common.http.ResponseChannel;
import io.imgcdn.common.upstream.BodyFlow;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One client's Range request for an original this edge does not hold, passed through: the shard's
 * 206 (or 416) relayed to that client as it arrives, paced by the client's connection, never
 * stored. The shard answers it from the chunks the range covers, so a seek in a 200 MiB video costs
 * this edge and the shard a few chunks, not the video.
 */
final class RangeRelay implements Response {
  /*
   * Pacing: pieces arrive on the shard connection's loop and are queued; the client's loop writes them
   * while the client's connection is writable. At QUEUE_LIMIT queued bytes the shard connection stops
   * reading (BodyFlow.pause, TCP flow control does the rest) until the client loop has taken the queue
   * below it: a response holds at most the queue and the channel's outbound buffer.
   * A client that takes nothing for `stallLimit` has its response cut and the shard request closed, so a
   * stalled client never pins a shard connection; a media player asks again with a Range from where it
   * stopped. A client that leaves closes the shard request at once.
   * Every queued piece is released exactly once: written (the socket releases it) or dropped.
   */
  static final long QUEUE_LIMIT = StreamedResponse.QUEUE_LIMIT;

  private static final Object END = new Object();
  private static final Object ABORT = new Object();

  private final HttpResponse upstreamHead;
  private final BodyFlow flow;
  private final String chain;
  private final long stallLimitNanos;
  private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final AtomicBoolean paused = new AtomicBoolean();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private volatile @Nullable ResponseChannel out;
  private volatile boolean left;
  // client loop only:
  private long sent;
  private @Nullable ScheduledFuture<?> stallTimer;

  /**
   * @param stallLimitNanos how long the client may take nothing before its response is cut; 0:
   *     never
   */
  RangeRelay(HttpResponse upstreamHead, BodyFlow flow, String chain, long stallLimitNanos) {
    this.upstreamHead = upstreamHead;
    this.flow = flow;
    this.chain = chain;
    this.stallLimitNanos = stallLimitNanos;
  }

  @Override
  public HttpResponseStatus status() {
    return upstreamHead.status();
  }

  @Override
  public @Nullable String contentType() {
    return upstreamHead.headers().get(HttpHeaderNames.CONTENT_TYPE);
  }

  @Override
  public String xCache() {
    return chain;
  }

  /** A body piece from the shard. Upstream loop. */
  void piece(ByteBuf piece) {
    if (left) {
      piece.release();
      return;
    }
    if (queuedBytes.addAndGet(piece.readableBytes()) >= QUEUE_LIMIT
        && paused.compareAndSet(false, true)) {
      flow.pause();
    }
    offer(piece);
  }

  /** The shard's body is complete. Upstream loop. */
  void end() {
    offer(END);
  }

  /** The shard's body failed after the head: the client's response is cut. Upstream loop. */
  void abort() {
    offer(ABORT);
  }

  private void offer(Object item) {
    queue.add(item);
    if (left) {
      dropQueue();
      return;
    }
    scheduleDrain();
  }

  private void scheduleDrain() {
    ResponseChannel o = out;
    if (o != null && drainScheduled.compareAndSet(false, true)) {
      o.eventLoop()
          .execute(
              () -> {
                drainScheduled.set(false);
                drain();
              });
    }
  }

  @Override
  public void write(ResponseChannel out) {
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, upstreamHead.status());
    HttpHeaders h = head.headers();
    h.set(upstreamHead.headers());
    // Hop-by-hop lines are the shard connection's, not this one's (RFC 9110 section 7.6.1).
    h.remove(HttpHeaderNames.CONNECTION);
    h.remove("Keep-Alive");
    h.remove(HttpHeaderNames.TRANSFER_ENCODING);
    h.set(HttpHeaderNames.DATE, HttpDates.now());
    h.set(ObjectResponses.X_CACHE, chain);
    ObjectResponses.setConnection(h, out);
    out.write(head);
    if (HttpMethod.HEAD.equals(out.method())) {
      out.write(LastHttpContent.EMPTY_LAST_CONTENT);
      leave();
      out.end(0);
      return;
    }
    this.out = out;
    out.closeFuture().addListener(f -> leave());
    drain();
  }

  /** Writes what is queued while the client takes it. Client loop. */
  private void drain() {
    ResponseChannel o = out;
    if (o == null || left) {
      dropQueue();
      return;
    }
    if (!o.isOpen()) {
      leave();
      return;
    }
    boolean wrote = false;
    while (true) {
      if (!o.isWritable()) {
        if (wrote) {
          o.flush();
        }
        waitForClient(o);
        return;
      }
      Object item = queue.poll();
      if (item == null) {
        break;
      }
      if (item == END || item == ABORT) {
        if (item == END) {
          o.write(LastHttpContent.EMPTY_LAST_CONTENT);
        }
        leave();
        if (item == END) {
          o.end(sent);
        } else {
          o.abort();
        }
        return;
      }
      ByteBuf piece = (ByteBuf) item;
      int n = piece.readableBytes();
      o.write(new DefaultHttpContent(piece));
      sent += n;
      wrote = true;
      if (queuedBytes.addAndGet(-n) < QUEUE_LIMIT && paused.compareAndSet(true, false)) {
        flow.resume();
      }
    }
    if (wrote) {
      o.flush();
    }
    cancelStallTimer();
  }

  /** The client's connection is full: drain when it has room, cut it if it stays full. */
  private void waitForClient(ResponseChannel o) {
    o.onWritable(this::drain);
    if (stallLimitNanos > 0 && stallTimer == null) {
      long sentThen = sent;
      stallTimer =
          o.eventLoop()
              .schedule(
                  () -> {
                    stallTimer = null;
                    if (!left && sent == sentThen && !o.isWritable()) {
                      leave(); // closes the shard request: a stalled client pins no connection
                      o.abort();
                    }
                  },
                  stallLimitNanos,
                  TimeUnit.NANOSECONDS);
    }
  }

  private void cancelStallTimer() {
    if (stallTimer != null) {
      stallTimer.cancel(false);
      stallTimer = null;
    }
  }

  private void leave() {
    if (!left) {
      left = true;
      flow.cancel(); // after the end this closes nothing: the shard request is over
      ResponseChannel o = out;
      if (o != null && o.eventLoop().inEventLoop()) {
        cancelStallTimer();
      }
    }
    dropQueue();
  }

  private void dropQueue() {
    Object item;
    while ((item = queue.poll()) != null) {
      ReferenceCountUtil.release(item);
    }
  }

  @Override
  public void discard() {
    leave();
  }
}
