package io.imgcdn.common.accesslog;

import static org.assertj.core.api.Assertions.assertThat;

import io.imgcdn.common.http.ImageObject;
import io.imgcdn.common.http.ObjectServerHandler;
import io.imgcdn.common.http.Reply;
import io.imgcdn.common.http.ServerInitializer;
import io.imgcdn.common.http.Tier;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseEncoder;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bytes the access log adds on the serving thread per request: the handler runs on the test thread
 * (EmbeddedChannel), so the thread's allocation counter sees exactly what an event loop would
 * allocate, and nothing of the writer thread's formatting.
 */
class AccessLogAllocationTest {
  private static final int REQUESTS = 20_000;
  private static final Reply OK =
      Reply.ok(
          new ImageObject("image/jpeg", "\"e\"", ImageObject.IMMUTABLE, new byte[100]), "n;hit");

  private static long allocatedPerRequest(AccessLog log) {
    Tier tier = (url, headers) -> CompletableFuture.completedFuture(OK);
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.pipeline().addLast(ServerInitializer.ENCODER, new HttpResponseEncoder());
    channel
        .pipeline()
        .addLast("handler", new ObjectServerHandler("n", tier, null, 16).accessLog(log));
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = 0;
    for (int i = 0; i < 2 * REQUESTS; i++) {
      if (i == REQUESTS) {
        before = threads.getCurrentThreadAllocatedBytes(); // the first half warms up
      }
      DefaultHttpRequest request =
          new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/ok");
      request.headers().set("Host", "localhost").set("User-Agent", "probe/1.0");
      channel.writeInbound(request);
      Object out;
      while ((out = channel.readOutbound()) != null) {
        ReferenceCountUtil.release(out);
      }
    }
    long perRequest = (threads.getCurrentThreadAllocatedBytes() - before) / REQUESTS;
    channel.finishAndReleaseAll();
    return perRequest;
  }

  @Test
  void log_perRequest_addsOneSmallRecordOnTheServingThread(@TempDir Path dir) {
    AccessLog log =
        AccessLog.open(
            new AccessLogSettings(
                AccessLogSettings.Format.LTSV,
                dir.resolve("a.log"),
                AccessLogSettings.QUEUE_DEFAULT),
            "n");
    long without = Long.MAX_VALUE;
    long with = Long.MAX_VALUE;
    // The build's paranoid leak detection records a stack trace per buffer (~137 KB per request
    // here):
    // off while measuring, as in production.
    io.netty.util.ResourceLeakDetector.Level level = io.netty.util.ResourceLeakDetector.getLevel();
    io.netty.util.ResourceLeakDetector.setLevel(io.netty.util.ResourceLeakDetector.Level.DISABLED);
    try {
      for (int round = 0;
          round < 3;
          round++) { // alternated, best of three: the JIT settles in between
        without = Math.min(without, allocatedPerRequest(null));
        with = Math.min(with, allocatedPerRequest(log));
      }
    } finally {
      io.netty.util.ResourceLeakDetector.setLevel(level);
      log.close();
    }
    System.out.printf(
        "serving-thread bytes per request: %d without the access log, %d with (+%d)%n",
        without, with, with - without);
    assertThat(with - without)
        .as("bytes the access log adds per request (%d without, %d with)", without, with)
        .isLessThanOrEqualTo(128);
    assertThat(log.written() + log.dropped())
        .isEqualTo(3L * 2 * REQUESTS); // three rounds, all counted
  }
}
