package io.imgcdn.edge.http;

import io.imgcdn.common.http.ByteRange;
import io.imgcdn.common.http.HttpDates;
import io.imgcdn.common.http.ObjectResponses;
import io.imgcdn.common.http.Response;
import io.imgcdn.common.http.ResponseChannel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One client's share of a {@link StreamBroadcast}: the object's head, then its body pieces as the shard
 * sends them, paced by this client's connection. Answers HEAD, If-None-Match and a single Range too.
 */
final class StreamedResponse implements Response {
  /*
   * Threads: offer() runs on the upstream loop and only queues (a concurrent queue) and schedules a
   * drain on the client's loop once this response is being written; everything else runs on the client's
   * loop. Every queued piece is released exactly once: written (the socket releases it) or dropped, by
   * whichever side polls it from the queue; a piece offered after this response left is dropped by the
   * offering side, which re-checks after queueing.
   */
  static final Object END = new Object();
  static final Object ABORT = new Object();

  private final StreamBroadcast source;
  private final String chain;
  private final ConcurrentLinkedQueue<Object> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final Runnable drainTask = () -> {
    drainScheduled.set(false);
    drain();
  };
  private volatile ResponseChannel out;
  private volatile boolean left;
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
  public String xCache() {
    return chain;
  }

  /** Queues a body piece, END or ABORT. Upstream loop. */
  void offer(Object item) {
    if (left) {
      ReferenceCountUtil.release(item);
      return;
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
    HttpHeaders request = out.requestHeaders();
    String ifNoneMatch = request.get(HttpHeaderNames.IF_NONE_MATCH);
    if (ifNoneMatch != null && ObjectResponses.etagMatches(ifNoneMatch, source.etag())) {
      DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
          HttpResponseStatus.NOT_MODIFIED, Unpooled.EMPTY_BUFFER);
      r.headers().set(HttpHeaderNames.ETAG, source.etag());
      r.headers().set(HttpHeaderNames.CACHE_CONTROL, source.cacheControl());
      if (source.vary() != null) {
        r.headers().set(HttpHeaderNames.VARY, source.vary()); // a 304 repeats the 200's Vary
      }
      common(r.headers(), out);
      finishEarly(out, r);
      return;
    }
    first = 0;
    last = length - 1;
    HttpResponseStatus status = HttpResponseStatus.OK;
    String range = request.get(HttpHeaderNames.RANGE);
    if (range != null && ObjectResponses.ifRangeAllows(request.get(HttpHeaderNames.IF_RANGE), source.etag())) {
      ByteRange parsed = ByteRange.parse(range, length);
      if (parsed == ByteRange.UNSATISFIABLE) {
        byte[] text = "range not satisfiable\n".getBytes(StandardCharsets.US_ASCII);
        DefaultFullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
            HttpResponseStatus.REQUESTED_RANGE_NOT_SATISFIABLE, Unpooled.wrappedBuffer(text));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, text.length);
        r.headers().set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + length);
        common(r.headers(), out);
        finishEarly(out, r);
        return;
      }
      if (parsed != null) {
        status = HttpResponseStatus.PARTIAL_CONTENT;
        first = parsed.first();
        last = parsed.last();
      }
    }
    HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
    HttpHeaders h = head.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, source.contentType());
    h.set(HttpHeaderNames.CONTENT_LENGTH, last - first + 1);
    if (status == HttpResponseStatus.PARTIAL_CONTENT) {
      h.set(HttpHeaderNames.CONTENT_RANGE, "bytes " + first + "-" + last + "/" + length);
    }
    if (!source.etag().isEmpty()) {
      h.set(HttpHeaderNames.ETAG, source.etag());
    }
    h.set(HttpHeaderNames.CACHE_CONTROL, source.cacheControl());
    if (source.vary() != null) {
      h.set(HttpHeaderNames.VARY, source.vary());
    }
    h.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
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

  private void finishEarly(ResponseChannel out, DefaultFullHttpResponse response) {
    out.write(response);
    leave();
    out.end(response.content().readableBytes());
  }

  private void common(HttpHeaders h, ResponseChannel out) {
    h.set(HttpHeaderNames.DATE, HttpDates.now());
    h.set(ObjectResponses.X_CACHE, chain);
    ObjectResponses.setConnection(h, out);
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
      ByteBuf piece = (ByteBuf) item;
      int n = piece.readableBytes();
      long from = Math.max(first, position) - position;
      long to = Math.min(last + 1, position + n) - position;
      position += n;
      if (from < to) {
        ByteBuf part = from == 0 && to == n ? piece : piece.retainedSlice(piece.readerIndex() + (int) from, (int) (to - from));
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

  private void setBlocked(boolean b) {
    if (blocked != b) {
      blocked = b;
      source.blockedChanged(b ? 1 : -1);
    }
  }

  private void leave() {
    if (!left) {
      left = true;
      boolean wasBlocked = blocked;
      blocked = false;
      source.leave(this, wasBlocked);
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
