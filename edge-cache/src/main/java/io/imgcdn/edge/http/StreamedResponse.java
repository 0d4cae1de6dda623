package io.imgcdn.edge.http;

import io.imgcdn.common.http.ConditionalRequest;
import io.imgcdn.common.http.HttpDates;
import io.imgcdn.common.http.ObjectResponses;
import io.imgcdn.common.http.Response;
import io.imgcdn.common.http.ResponseChannel;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One client's share of a {@link StreamBroadcast}: the object's head, then its body pieces as the
 * shard sends them, paced by this client's connection. Answers HEAD, a single Range and the
 * preconditions too ({@link ConditionalRequest}).
 */
final class StreamedResponse implements Response {
  /*
   * Threads: offer() runs on the upstream loop and only queues (a concurrent queue) and schedules a
   * drain on the client's loop once this response is being written; everything else runs on the client's
   * loop. Every queued piece is released exactly once: written (the socket releases it) or dropped, by
   * whichever side polls it from the queue; a piece offered after this response left is dropped by the
   * offering side, which re-checks after queueing.
   * Queued body bytes are counted (added by offer, subtracted when polled): at QUEUE_LIMIT or more the
   * relay pauses (StreamBroadcast checks after every piece), and the poll that takes the count back below
   * the limit tells the relay, so its pause ends only when the client loop has caught up.
   * Detaching (see StreamBroadcast): the source changes at most once, from the shared relay to this
   * response's own; `source` is null between the two, when blocked changes are only remembered, and the
   * new relay counts this response blocked until attach() has set `blocked` to match and drained.
   */
  static final Object END = new Object();
  static final Object ABORT = new Object();

  /**
   * Body bytes queued for the client loop at which the relay stops reading: four 64 KB pieces, so a
   * client loop that is late by a few pieces does not stall the relay, and one that is late by more
   * cannot make the relay read the object into memory.
   */
  static final long QUEUE_LIMIT = 256 * 1024;

  private volatile StreamBroadcast source;
  private final String chain;
  private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();

  @SuppressWarnings("UnnecessaryLambda") // one Runnable for every schedule, not one per schedule
  private final Runnable drainTask =
      () -> {
        drainScheduled.set(false);
        drain();
      };

  private volatile ResponseChannel out;
  private volatile boolean left;
  // blocked time, written on the client loop, read by the relay's laggard check:
  private volatile long blockedSince = System.nanoTime(); // 0 while not blocked
  private volatile long blockedTotal;
  // the relay's loop only: body bytes offered by the current relay
  private long offered;
  // client loop only:
  private boolean blocked = true;
  private long first;
  private long last;
  private long position;
  private long sent;

  StreamedResponse(StreamBroadcast source, String chain) {
    this.source = source;
    this.chain = chain;
  }

  @Override
  public HttpResponseStatus status() {
    return HttpResponseStatus.OK;
  }

  @Override
  public String contentType() {
    return source.contentType();
  }

  @Override
  public String xCache() {
    return chain;
  }

  /** Queues a body piece, END, ABORT or a Detached marker. Upstream loop. */
  void offer(Object item) {
    if (left) {
      ReferenceCountUtil.release(item);
      return;
    }
    if (item instanceof ByteBuf piece) {
      offered += piece.readableBytes();
      queuedBytes.addAndGet(
          piece.readableBytes()); // before it can be polled: the count never goes below 0
    }
    queue.add(item);
    if (left) {
      dropQueue();
      return;
    }
    ResponseChannel o = out;
    if (o != null && drainScheduled.compareAndSet(false, true)) {
      o.eventLoop().execute(drainTask);
    }
  }

  @Override
  public void write(ResponseChannel out) {
    long length = source.length();
    ConditionalRequest.Decision decision =
        ConditionalRequest.evaluate(
            out.method(), out.requestHeaders(), source.etag(), source.lastModified(), length);
    if (!decision.sendsRepresentation()) { // a 304 repeats the 200's Vary
      FullHttpResponse r =
          ObjectResponses.withoutRepresentation(
              decision,
              out.method(),
              source.etag(),
              source.lastModified(),
              source.cacheControl(),
              source.vary(),
              length,
              chain);
      ObjectResponses.setConnection(r.headers(), out);
      finishEarly(out, r);
      return;
    }
    first = decision.first();
    last = decision.last(length);
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, decision.status());
    HttpHeaders h = head.headers();
    ObjectResponses.representationHeaders(
        h,
        decision,
        length,
        source.contentType(),
        source.etag(),
        source.lastModified(),
        source.cacheControl());
    if (source.vary() != null) {
      h.set(HttpHeaderNames.VARY, source.vary());
    }
    common(h, out);
    out.write(head);
    if (HttpMethod.HEAD.equals(out.method()) || last < first) {
      out.write(LastHttpContent.EMPTY_LAST_CONTENT);
      leave();
      out.end(0);
      return;
    }
    this.out = out;
    out.closeFuture().addListener(f -> leave());
    drain();
  }

  private void finishEarly(ResponseChannel out, FullHttpResponse response) {
    out.write(response);
    leave();
    out.end(response.content().readableBytes());
  }

  private void common(HttpHeaders h, ResponseChannel out) {
    h.set(HttpHeaderNames.DATE, HttpDates.now());
    h.set(ObjectResponses.X_CACHE, chain);
    ObjectResponses.setConnection(h, out);
  }

  /**
   * Whether the relay must stop reading for this response's sake: its client loop is behind. Any
   * thread.
   */
  boolean queueFull() {
    return queuedBytes.get() >= QUEUE_LIMIT;
  }

  /** Body bytes queued and not yet written or dropped. Any thread. */
  long queuedBytes() {
    return queuedBytes.get();
  }

  long offeredBytes() {
    return offered;
  }

  /** Time spent blocked so far, including now if blocked. Any thread. */
  long blockedNanos(long now) {
    long since = blockedSince;
    return blockedTotal + (since != 0 ? now - since : 0);
  }

  /**
   * How long this response has been blocked without a break, up to now (0 when it is not blocked).
   * Any thread.
   */
  long stalledNanos(long now) {
    long since = blockedSince;
    return since != 0 ? now - since : 0;
  }

  /**
   * Whether the relay may detach this response now: it is being written and its client is not
   * keeping up.
   */
  boolean detachable() {
    return out != null && blockedSince != 0 && !left;
  }

  /**
   * First half of a detach: stop reporting to {@code from}, then let it queue the marker. Any
   * thread.
   */
  void detachFrom(StreamBroadcast from) {
    out.eventLoop()
        .execute(
            () -> {
              if (left || source != from) {
                return;
              }
              source = null;
              from.detach(this, blocked);
            });
  }

  /** The new relay counts this response blocked; switch over on the client loop. Any thread. */
  void attachLater(StreamBroadcast rest) {
    out.eventLoop()
        .execute(
            () -> {
              if (left) {
                rest.leave(this, true);
                return;
              }
              source = rest;
              if (!blocked) { // as the new relay counts it; drain() reports the real state
                blocked = true;
                blockedSince = System.nanoTime();
              }
              drain();
            });
  }

  boolean hasLeft() {
    return left;
  }

  /** Writes what is queued while the client keeps up. Client loop. */
  private void drain() {
    ResponseChannel o = out;
    if (left) {
      dropQueue();
      return;
    }
    if (!o.isOpen()) {
      leave();
      return;
    }
    boolean wrote = false;
    Object item;
    while (true) {
      if (!o.isWritable()) {
        if (wrote) {
          o.flush();
        }
        setBlocked(true);
        o.onWritable(this::drain);
        return;
      }
      setBlocked(false);
      item = queue.poll();
      if (item == null) {
        break;
      }
      if (item == END) {
        o.write(LastHttpContent.EMPTY_LAST_CONTENT);
        leave();
        o.end(sent);
        return;
      }
      if (item == ABORT) {
        leave();
        o.abort();
        return;
      }
      if (item instanceof StreamBroadcast.Detached d) {
        if (d.offset() != position
            || source != null) { // cannot happen: the hand-over lost or repeated bytes
          leave();
          o.abort();
          return;
        }
        d.from()
            .restFetch()
            .start(
                position, last, d.from().etag(), new RestOfStream(this, d.from(), position, last));
        continue; // the queue is empty now; the rest's pieces arrive through offer()
      }
      ByteBuf piece = (ByteBuf) item;
      int n = piece.readableBytes();
      dequeued(n);
      long from = Math.max(first, position) - position;
      long to = Math.min(last + 1, position + n) - position;
      position += n;
      if (from < to) {
        ByteBuf part =
            from == 0 && to == n
                ? piece
                : piece.retainedSlice(piece.readerIndex() + (int) from, (int) (to - from));
        if (part != piece) {
          piece.release();
        }
        o.write(new DefaultHttpContent(part));
        sent += to - from;
        wrote = true;
      } else {
        piece.release();
      }
      if (position > last) {
        // A range that ends before the object does: done, the rest is not ours to send.
        o.write(LastHttpContent.EMPTY_LAST_CONTENT);
        leave();
        o.end(sent);
        return;
      }
    }
    if (wrote) {
      o.flush();
    }
  }

  @SuppressWarnings("NonAtomicVolatileUpdate") // written on the client's event loop only
  private void setBlocked(boolean b) {
    if (blocked != b) {
      blocked = b;
      long now = System.nanoTime();
      if (b) {
        blockedSince = now;
      } else {
        blockedTotal += now - blockedSince;
        blockedSince = 0;
      }
      StreamBroadcast s = source;
      if (s != null) {
        s.blockedChanged(b ? 1 : -1);
      }
    }
  }

  private void leave() {
    if (!left) {
      left = true;
      boolean wasBlocked = blocked;
      blocked = false;
      StreamBroadcast s = source;
      if (s != null) {
        s.leave(this, wasBlocked);
      } // else detached and the rest not attached yet: attachLater/RestOfStream see `left`
    }
    dropQueue();
  }

  /** Failure of the rest's request before it became a relay: cut this response. Any thread. */
  void cut() {
    offer(ABORT);
  }

  private void dropQueue() {
    Object item;
    while ((item = queue.poll()) != null) {
      if (item instanceof ByteBuf piece) {
        queuedBytes.addAndGet(
            -piece.readableBytes()); // left: no relay counts on this queue any more
      }
      ReferenceCountUtil.release(item);
    }
  }

  /**
   * A piece of {@code n} bytes left the queue (client loop): tell the relay when that ends its
   * fullness.
   */
  private void dequeued(int n) {
    long after = queuedBytes.addAndGet(-n);
    if (after < QUEUE_LIMIT && after + n >= QUEUE_LIMIT) {
      StreamBroadcast s = source;
      if (s != null) {
        s.queueDrained();
      } // else mid-detach: the new relay re-evaluates once attach() has drained (setBlocked reports
      // to it)
    }
  }

  @Override
  public void discard() {
    leave();
  }
}
