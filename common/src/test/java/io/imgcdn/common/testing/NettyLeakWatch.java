package io.imgcdn.common.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Collects Netty's "LEAK:" reports (leak detection runs at paranoid level in tests, see the parent
 * pom): a buffer that was garbage-collected without being released is reported at the next
 * allocation after a GC. {@link #leaks()} forces that and returns what was reported. Shared by the
 * edge and fault tests.
 */
public final class NettyLeakWatch implements AutoCloseable {
  private final Logger logger =
      (Logger) LoggerFactory.getLogger("io.netty.util.ResourceLeakDetector");
  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

  public NettyLeakWatch() {
    appender.start();
    logger.addAppender(appender);
  }

  /** Runs the GC a few times, allocating tracked buffers in between so the detector reports. */
  public List<String> leaks() {
    UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(true, false, true);
    for (int i = 0; i < 4; i++) {
      System.gc();
      for (int j = 0; j < 16; j++) {
        ByteBuf b = alloc.directBuffer(16);
        b.release();
      }
    }
    return appender.list.stream()
        .map(ILoggingEvent::getFormattedMessage)
        .filter(m -> m.contains("LEAK"))
        .toList();
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
  }
}
