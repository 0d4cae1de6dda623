package io.imgcdn.shard.http;

import io.imgcdn.common.http.ConditionalRequest;
import io.imgcdn.common.http.ObjectResponses;
import io.imgcdn.common.http.Response;
import io.imgcdn.common.http.ResponseChannel;
import io.imgcdn.shard.store.ChunkedBody;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.IntFunction;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hit on a body stored in chunks (over 1 MiB), sent chunk by chunk as the client takes it: the
 * store reads the next chunk only when the connection has room, so a slow client of a 15 MB picture
 * holds about two chunks of memory, not the picture. Answers 304, 412, 416, a single Range (reading
 * only the chunks it covers) and HEAD like {@link StoredResponse}.
 */
final class ChunkedResponse implements Response {
  /*
   * One chunk is read ahead: once a chunk is handed to the connection the next is read, and written when
   * the connection is writable again. So a response holds at most the chunk the socket is still taking
   * and the one waiting for it. The first chunk the request needs was read by ShardTier before this
   * response was made (`first`), so that a chunk that is gone or corrupt at the start is a miss (a
   * fill), not a cut response. A later one cannot be: the head has gone, and the response is cut
   * (the connection closed short of Content-Length, which every HTTP client detects) rather than
   * continued with another version's bytes.
   *
   * A chunk of a large original may have to be filled from the origin first (ChunkFills): read-ahead
   * then is a fill ahead, so a client taking the object whole gets its first bytes while the later
   * chunks are still in S3, and one that stops taking it stops the fills.
   *
   * Threads: everything runs on the connection's event loop; a chunk read completes on a store thread
   * (or an upstream loop, when filled) and hops back. `ready` is released exactly once: written (the socket releases it), or on close.
   */
  private static final Logger LOG = LoggerFactory.getLogger(ChunkedResponse.class);

  private final IntFunction<CompletableFuture<ChunkFills.Chunk>> chunks;
  private final ChunkedBody body;
  private final String xCache;
  private final @Nullable String vary;
  private final StreamStats stats;
  private @Nullable ByteBuf first;
  private final int firstIndex;

  private long next;
  private long end;
  private long sent;
  private @Nullable ByteBuf ready;
  private int readyIndex;
  private boolean reading;
  private boolean waiting;
  private boolean finished;

  /**
   * @param first the chunk {@code firstIndex} as read into a pooled buffer (positioned on its body
   *     bytes), owned by this response; null when the request needs no body bytes
   */
  ChunkedResponse(
      IntFunction<CompletableFuture<ChunkFills.Chunk>> chunks,
      ChunkedBody body,
      @Nullable ByteBuf first,
      int firstIndex,
      String xCache,
      @Nullable String vary,
      StreamStats stats) {
    this.chunks = chunks;
    this.body = body;
    this.first = first;
    this.firstIndex = firstIndex;
    this.xCache = xCache;
    this.vary = vary;
    this.stats = stats;
  }

  /**
   * The index of the first chunk a request needs, or -1 when its answer carries no bytes of the
   * body. Asked before the method is at hand: as for a GET, whose answer needs the most.
   */
  static int firstChunk(HttpHeaders request, ChunkedBody body) {
    ConditionalRequest.Decision decision = decide(HttpMethod.GET, request, body);
    return decision.length(body.bodyLength()) > 0
        ? (int) (decision.first() / body.chunkBytes())
        : -1;
  }

  private static ConditionalRequest.Decision decide(
      HttpMethod method, HttpHeaders request, ChunkedBody body) {
    return ConditionalRequest.evaluate(
        method, request, body.etag(), body.lastModified(), body.bodyLength());
  }

  @Override
  public HttpResponseStatus status() {
    return HttpResponseStatus.OK;
  }

  @Override
  public String xCache() {
    return xCache;
  }

  @Override
  public void write(ResponseChannel out) {
    long length = body.bodyLength();
    ConditionalRequest.Decision decision = decide(out.method(), out.requestHeaders(), body);
    boolean head = HttpMethod.HEAD.equals(out.method());
    if (decision.length(length) == 0 || head) {
      discard();
      FullHttpResponse r;
      if (decision.sendsRepresentation()) {
        r =
            new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                decision.status(),
                Unpooled.EMPTY_BUFFER,
                DefaultHttpHeadersFactory.headersFactory().withValidation(false),
                DefaultHttpHeadersFactory.trailersFactory().withValidation(false));
        representationHeaders(r.headers(), decision, length);
        StoredResponse.common(r, vary, xCache);
      } else {
        r =
            ObjectResponses.withoutRepresentation(
                decision,
                out.method(),
                body.etag(),
                body.lastModified(),
                body.cacheControl(),
                vary,
                length,
                xCache);
      }
      ObjectResponses.setConnection(r.headers(), out);
      int bytes = r.content().readableBytes();
      out.write(r);
      out.end(bytes);
      return;
    }
    HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, decision.status());
    representationHeaders(r.headers(), decision, length);
    StoredResponse.common(r, vary, xCache);
    ObjectResponses.setConnection(r.headers(), out);
    out.write(r);
    next = decision.first();
    end = decision.last(length) + 1;
    if (first != null && firstIndex == chunkOf(next)) {
      ready = first;
      readyIndex = firstIndex;
      first = null;
    }
    discard();
    stats.opened();
    out.closeFuture().addListener(f -> closed());
    pump(out);
  }

  private void representationHeaders(
      HttpHeaders h, ConditionalRequest.Decision decision, long length) {
    ObjectResponses.representationHeaders(
        h,
        decision,
        length,
        body.contentType(),
        body.etag(),
        body.lastModified(),
        body.cacheControl());
  }

  /** Writes the chunk that is ready if the connection has room, and reads the next. Event loop. */
  private void pump(ResponseChannel out) {
    if (finished) {
      return;
    }
    if (!out.isOpen()) { // closed: its listener may not have run yet
      finish();
      return;
    }
    if (ready != null) {
      if (!out.isWritable()) {
        if (!waiting) {
          waiting = true;
          stats.waiting(1);
          out.onWritable(() -> writable(out));
        }
        return;
      }
      ByteBuf piece = ready;
      ready = null;
      long chunkStart = (long) readyIndex * body.chunkBytes();
      int from = (int) (next - chunkStart);
      int to = (int) Math.min(end - chunkStart, body.chunkLength(readyIndex));
      // the buffer holds the whole chunk: its body bytes are its last chunkLength bytes
      int base = piece.writerIndex() - body.chunkLength(readyIndex);
      piece.setIndex(base + from, base + to);
      out.write(new DefaultHttpContent(piece));
      sent += to - from;
      next = chunkStart + to;
      if (next >= end) {
        finished = true;
        stats.closed();
        out.write(LastHttpContent.EMPTY_LAST_CONTENT);
        out.end(sent);
        return;
      }
      out.flush();
    }
    if (!reading) {
      read(out, chunkOf(next));
    }
  }

  private void writable(ResponseChannel out) {
    if (waiting) { // else finish() has counted it already: the connection closed
      waiting = false;
      stats.waiting(-1);
    }
    pump(out);
  }

  private void read(ResponseChannel out, int index) {
    reading = true;
    chunks
        .apply(index)
        .whenComplete(
            (read, failure) -> {
              ByteBuf chunk = failure == null ? read.buffer() : null;
              try {
                out.eventLoop().execute(() -> chunkRead(out, index, chunk, failure));
              } catch (
                  RejectedExecutionException
                      e) { // the server is shutting down: nobody will write it
                if (chunk != null) {
                  chunk.release();
                }
              }
            });
  }

  private void chunkRead(
      ResponseChannel out, int index, @Nullable ByteBuf chunk, @Nullable Throwable failure) {
    reading = false;
    if (finished) {
      if (chunk != null) {
        chunk.release();
      }
      return;
    }
    if (failure != null) {
      Throwable cause =
          failure instanceof CompletionException && failure.getCause() != null
              ? failure.getCause()
              : failure;
      LOG.warn("{} cut at byte {} of {}: {}", body, next, body.bodyLength(), cause.toString());
      stats.cut();
      finish();
      out.abort();
      return;
    }
    ready = chunk;
    readyIndex = index;
    pump(out);
  }

  private void closed() {
    if (!finished) {
      finish();
    }
  }

  private void finish() {
    finished = true;
    stats.closed();
    if (waiting) {
      waiting = false;
      stats.waiting(-1);
    }
    if (ready != null) {
      ready.release();
      ready = null;
    }
  }

  private int chunkOf(long offset) {
    return (int) (offset / body.chunkBytes());
  }

  @Override
  public void discard() {
    if (first != null) {
      first.release();
      first = null;
    }
  }
}
