package io.imgcdn.common.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * When a connection counts as idle: what it read and flushed, what is waiting in its outbound
 * buffer, and whether a request is in flight, on the event loop's clock.
 */
class IdleTimeoutTest {
  private static final long TIMEOUT_SECONDS = 60;

  private boolean inFlight;

  private EmbeddedChannel channel() {
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.freezeTime();
    channel
        .pipeline()
        .addLast(new IdleTimeout(Duration.ofSeconds(TIMEOUT_SECONDS), () -> inFlight));
    return channel;
  }

  /** Lets {@code seconds} pass on the channel's clock, running the checks due. */
  private static void pass(EmbeddedChannel channel, long seconds) {
    for (long s = 0; s < seconds; s++) {
      channel.advanceTimeBy(1, TimeUnit.SECONDS);
      channel.runScheduledPendingTasks();
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        // what the connection does at 30s | in flight | closed by 90s | closed by 150s
        "nothing                           | false     | true          | true",
        "read                              | false     | false         | true",
        "flush                             | false     | false         | true",
        "nothing                           | true      | false         | false",
        "stalled write                     | true      | false         | true",
      })
  void connection_closedOnlyWhenIdleAndNotWaitingForItsUpstream(
      String activity, boolean requestInFlight, boolean closedBy90, boolean closedBy150) {
    inFlight = requestInFlight;
    EmbeddedChannel channel = channel();
    pass(channel, 30);
    switch (activity) {
      case "read" -> channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'G'}));
      case "flush" -> channel.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {'H'}));
      case "stalled write" -> channel.write(Unpooled.wrappedBuffer(new byte[] {'H'}));
      default -> {}
    }
    pass(channel, 60);
    assertThat(channel.isOpen()).as("at 90s").isEqualTo(!closedBy90);
    pass(channel, 60);
    assertThat(channel.isOpen()).as("at 150s").isEqualTo(!closedBy150);
    channel.releaseInbound();
    channel.releaseOutbound();
    assertFalse(channel.finishAndReleaseAll());
  }

  @ParameterizedTest(name = "last activity at {0}s")
  @CsvSource({"0", "1", "14", "16", "44"})
  void idleConnection_closedWithinAQuarterTimeoutAfterTheTimeout(long lastActivity) {
    EmbeddedChannel channel = channel();
    pass(channel, lastActivity);
    channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {'G'}));
    long open = 0;
    while (channel.isOpen()) {
      pass(channel, 1);
      open++;
    }
    assertThat(open).isBetween(TIMEOUT_SECONDS, TIMEOUT_SECONDS * 5 / 4);
    channel.releaseInbound();
    assertFalse(channel.finishAndReleaseAll());
  }
}
