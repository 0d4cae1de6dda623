package io.imgcdn.shard.http;

import io.imgcdn.common.cluster.ClusterView;
import io.imgcdn.common.http.HttpError;
import io.imgcdn.common.upstream.Coalescer;
import io.imgcdn.common.upstream.Deadline;
import io.imgcdn.common.upstream.RoutedClient;
import io.imgcdn.common.upstream.UpstreamResponse;
import io.imgcdn.common.url.ImageUrl;
import io.imgcdn.shard.store.ChunkUnavailableException;
import io.imgcdn.shard.store.ChunkedBody;
import io.imgcdn.shard.store.LogSafe;
import io.imgcdn.shard.store.ShardStore;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.jspecify.annotations.Nullable;

/**
 * The chunks of stored bodies as responses read them: from the store, or, for a large original
 * stored fillable ({@link ShardStore#putFillable}), filled from the origin tier when absent: a
 * ranged GET of exactly that chunk, one per chunk however many responses need it, written to the
 * store for the next ones.
 */
final class ChunkFills {
  /*
   * A filled chunk must belong to the copy the shard holds: the origin's 206 must carry that copy's ETag
   * and exactly the chunk's Content-Range (RFC 9110 section 14.4). Anything else means the original
   * changed or went since the copy was stored: the copy is deleted and the read fails with
   * ChunkUnavailableException, which is a miss before a response's head (ShardTier fills the object
   * anew) and a cut after it, as for a replaced copy. A fill that fails (origin down, deadline) fails
   * the read with the origin tier's error. Each fill has shard.upstream.deadline of its own: a response
   * that streams a large object for minutes fills its chunks as its client takes them.
   * Memory: a fill's chunk is on the heap until it is stored and every waiting response has sent it.
   */

  /**
   * A chunk as read: its buffer (body bytes last), and the X-Cache chain of the origin tier's
   * answer when it had to be filled (null when it was stored).
   */
  record Chunk(ByteBuf buffer, @Nullable String originChain) {}

  /** A chunk filled from the origin tier: its bytes and the X-Cache chain of the answer. */
  private record Filled(byte[] data, String chain) {}

  private final ShardStore store;
  private final ClusterView cluster;
  private final RoutedClient origins;
  private final Duration fillLimit;
  private final int chunkBytes;
  private final Coalescer<Filled> fills = new Coalescer<>();

  ChunkFills(
      ShardStore store,
      ClusterView cluster,
      RoutedClient origins,
      Duration fillLimit,
      int chunkBytes) {
    this.store = store;
    this.cluster = cluster;
    this.origins = origins;
    this.fillLimit = fillLimit;
    this.chunkBytes = chunkBytes;
  }

  /** Body bytes per chunk of a large original stored here (shard.chunk-bytes). */
  int chunkBytes() {
    return chunkBytes;
  }

  /** The Range a first fill of an original asks for: its first chunk. */
  String firstChunkRange() {
    return "bytes=0-" + (chunkBytes - 1);
  }

  /**
   * Chunk {@code index} of {@code body}, stored under {@code url}: a buffer whose last {@link
   * ChunkedBody#chunkLength} bytes are the chunk's, owned by the caller.
   */
  CompletableFuture<Chunk> read(ChunkedBody body, ImageUrl url, int index) {
    DirectLease lease = new DirectLease();
    return store
        .readChunk(body, index, lease, lease)
        .handle(
            (slice, failure) -> {
              if (failure == null) {
                return CompletableFuture.completedFuture(
                    new Chunk(lease.take(slice.remaining()), null));
              }
              Throwable cause = unwrap(failure);
              if (cause instanceof ChunkUnavailableException c && c.absent()) {
                return fill(body, url, index)
                    .thenApply(f -> new Chunk(Unpooled.wrappedBuffer(f.data()), f.chain()));
              }
              return CompletableFuture.<Chunk>failedFuture(cause);
            })
        .thenCompose(f -> f);
  }

  private CompletableFuture<Filled> fill(ChunkedBody body, ImageUrl url, int index) {
    String flight = ShardTier.storeKey(url) + '\u0002' + body.etag() + '\u0002' + index;
    return fills
        .join(
            flight,
            () -> fetch(body, url, index),
            f -> store.putChunk(body, index, f.data(), 0).exceptionally(e -> false))
        .future();
  }

  private CompletableFuture<Filled> fetch(ChunkedBody body, ImageUrl url, int index) {
    long first = (long) index * body.chunkBytes();
    long last = first + body.chunkLength(index) - 1;
    HttpHeaders headers =
        new DefaultHttpHeaders().set(HttpHeaderNames.RANGE, "bytes=" + first + "-" + last);
    String expected = "bytes " + first + "-" + last + "/" + body.bodyLength();
    return origins
        .get(
            cluster.rings().origins(),
            url.objectKey(),
            url.encodedPath(),
            headers,
            "origin",
            Deadline.in(fillLimit))
        .thenApply(
            routed -> {
              UpstreamResponse r = routed.response();
              if (r.status() == 206
                  && expected.equals(r.headers().get(HttpHeaderNames.CONTENT_RANGE))
                  && body.etag().equals(UpstreamResponse.etag(r.headers()))
                  && r.body().length == body.chunkLength(index)) {
                return new Filled(r.body(), r.xCache());
              }
              if (r.status() >= 500) {
                throw new HttpError(
                    HttpResponseStatus.valueOf(r.status()),
                    "origin tier answered " + r.status() + " for chunk " + index);
              }
              // The original changed or went since this copy was stored: the copy is over.
              var _ = store.delete(ShardTier.storeKey(url));
              throw new CompletionException(
                  new ChunkUnavailableException(
                      LogSafe.key(ShardTier.storeKey(url))
                          + ": the origin's copy changed (chunk "
                          + index
                          + " answered "
                          + r.status()
                          + ")"));
            });
  }

  static Throwable unwrap(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause()
        : failure;
  }
}
