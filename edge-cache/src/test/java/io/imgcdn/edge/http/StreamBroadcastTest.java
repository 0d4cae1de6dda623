package io.imgcdn.edge.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.http.Protocol;
import io.imgcdn.common.http.ResponseChannel;
import io.imgcdn.common.upstream.BodyFlow;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * A relay's pacing when the client loop is behind: the client connection is writable (the kernel
 * still takes bytes) but its loop has not run yet, so the subscriber never reports itself blocked.
 * The relay must still stop reading once the subscriber's queue holds {@link
 * StreamedResponse#QUEUE_LIMIT} bytes.
 */
class StreamBroadcastTest {
  /*
   * The two loops are real Netty event loops; the upstream connection and the client connection are
   * stand-ins (a flow that records pause/resume, a channel that is always writable and counts what is
   * written) because the race needs a client loop that is busy at a chosen moment, which real sockets
   * cannot give deterministically. EdgeSlowClientsTest is the same case end to end with real sockets
   * (there it happened in about a third of the runs before the queue bound).
   * "The upstream delivers while not paused" is played by a loop on the upstream event loop that hands
   * the relay one 64 KB piece at a time until the flow says paused, as autoRead reading would.
   */
  static final int PIECE = 64 * 1024;
  static final long OBJECT = 15L * 1024 * 1024;

  @Test
  void piece_clientLoopBehindWhileWritable_pausesAtQueueLimitThenRelaysEverything()
      throws Exception {
    DefaultEventLoop upstreamLoop = new DefaultEventLoop();
    DefaultEventLoop clientLoop = new DefaultEventLoop();
    ByteBuf bytes = Unpooled.directBuffer(PIECE).writeZero(PIECE);
    EmbeddedChannel connection = new EmbeddedChannel();
    CountDownLatch busy = new CountDownLatch(1);
    try {
      RecordingFlow flow = new RecordingFlow(upstreamLoop);
      HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
      head.headers()
          .set(HttpHeaderNames.CONTENT_LENGTH, OBJECT)
          .set(HttpHeaderNames.ETAG, "\"v1\"");
      FetchStats stats = new FetchStats();
      StreamBroadcast relay = new StreamBroadcast(head, flow, stats, () -> {});
      StreamedResponse response =
          upstreamLoop
              .submit(
                  () -> {
                    StreamedResponse s = relay.subscribe("edge-1;miss");
                    relay.start();
                    return s;
                  })
              .get();
      CountingChannel client = new CountingChannel(clientLoop, connection.closeFuture());
      clientLoop.submit(() -> response.write(client)).get();
      upstreamLoop.submit(() -> {}).get(); // the re-evaluation the client's first drain scheduled
      assertThat(flow.paused).as("relay paused before its client started writing").isFalse();

      // The client loop is busy elsewhere: nothing is drained, and the connection stays writable.
      clientLoop.execute(
          () -> {
            try {
              busy.await();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          });
      long readWhileBehind =
          upstreamLoop.submit(() -> deliverUntilPaused(relay, flow, bytes, 0)).get();
      assertThat(readWhileBehind)
          .as("bytes read from the shard while the client loop was behind")
          .isLessThanOrEqualTo(StreamedResponse.QUEUE_LIMIT + PIECE);
      assertThat(flow.paused).isTrue();
      assertThat(stats.pausedStreams()).isEqualTo(1);
      assertThat(response.queuedBytes()).isEqualTo(readWhileBehind);

      // The client loop catches up: the queue drains, the relay reads again, and every byte arrives
      // once.
      busy.countDown();
      long delivered = readWhileBehind;
      while (delivered < OBJECT) {
        clientLoop
            .submit(() -> {})
            .get(); // the drain queued behind the busy task, or the last round's
        upstreamLoop.submit(() -> {}).get(); // the re-evaluation that drain scheduled
        assertThat(flow.paused)
            .as("relay paused after its client drained %d bytes", client.written)
            .isFalse();
        long from = delivered;
        delivered += upstreamLoop.submit(() -> deliverUntilPaused(relay, flow, bytes, from)).get();
      }
      clientLoop.submit(() -> {}).get(); // the last drain
      assertThat(client.written).isEqualTo(OBJECT);
      assertThat(client.endedWith).isEqualTo(OBJECT);
      assertThat(response.queuedBytes()).isZero();
      assertThat(stats.openStreams()).isZero();
      assertThat(flow.cancelled).as("shard response cancelled").isFalse();
      assertThat(bytes.refCnt()).as("every piece's duplicate released").isEqualTo(1);
    } finally {
      busy.countDown(); // also when an assertion above failed: the client loop must be free to shut
      // down
      bytes.release();
      connection.close();
      upstreamLoop.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).sync();
      clientLoop.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS).sync();
    }
  }

  /**
   * As the upstream connection with autoRead would: hands the relay pieces while its flow is not
   * paused, and the end in the same task as the last piece (as UpstreamClient does with the last
   * content). Upstream loop.
   */
  private static long deliverUntilPaused(
      StreamBroadcast relay, RecordingFlow flow, ByteBuf bytes, long from) {
    long n = 0;
    while (!flow.paused && from + n < OBJECT) {
      relay.piece(bytes.retainedDuplicate());
      n += PIECE;
    }
    if (from + n == OBJECT) {
      relay.end();
    }
    return n;
  }

  /** The upstream connection's flow: pause and resume recorded (always called on its loop here). */
  private static final class RecordingFlow implements BodyFlow {
    final EventLoop loop;
    volatile boolean paused;
    volatile boolean cancelled;

    RecordingFlow(EventLoop loop) {
      this.loop = loop;
    }

    @Override
    public void pause() {
      paused = true;
    }

    @Override
    public void resume() {
      paused = false;
    }

    @Override
    public void cancel() {
      cancelled = true;
    }

    @Override
    public EventExecutor executor() {
      return loop;
    }
  }

  /**
   * A client connection that is always writable and counts the body bytes written to it. Its loop
   * only.
   */
  private static final class CountingChannel implements ResponseChannel {
    final EventLoop loop;
    final ChannelFuture closeFuture;
    volatile long written;
    volatile long endedWith = -1; // -2: aborted

    CountingChannel(EventLoop loop, ChannelFuture closeFuture) {
      this.loop = loop;
      this.closeFuture = closeFuture;
    }

    @Override
    public Protocol protocol() {
      return Protocol.HTTP_1_1;
    }

    @Override
    public HttpMethod method() {
      return HttpMethod.GET;
    }

    @Override
    public HttpHeaders requestHeaders() {
      return new DefaultHttpHeaders();
    }

    @Override
    public HttpVersion protocolVersion() {
      return HttpVersion.HTTP_1_1;
    }

    @Override
    public boolean keepAlive() {
      return true;
    }

    @Override
    public ByteBufAllocator alloc() {
      return ByteBufAllocator.DEFAULT;
    }

    @Override
    public EventLoop eventLoop() {
      return loop;
    }

    @Override
    @SuppressWarnings("NonAtomicVolatileUpdate") // called on `loop` only, as a channel's writes are
    public void write(Object httpObject) {
      if (httpObject instanceof HttpContent c) {
        written += c.content().readableBytes();
      }
      ReferenceCountUtil.release(httpObject);
    }

    @Override
    public Http1Wire http1Wire() {
      return null; // StreamedResponse writes HttpObjects only
    }

    @Override
    public void flush() {}

    @Override
    public boolean isWritable() {
      return true;
    }

    @Override
    public void onWritable(Runnable task) {
      loop.execute(task);
    }

    @Override
    public boolean isOpen() {
      return true;
    }

    @Override
    public ChannelFuture closeFuture() {
      return closeFuture;
    }

    @Override
    public void end(long bodyBytes) {
      endedWith = bodyBytes;
    }

    @Override
    public void abort() {
      endedWith = -2;
    }
  }
}
