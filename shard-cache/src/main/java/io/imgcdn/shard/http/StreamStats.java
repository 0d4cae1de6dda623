package io.imgcdn.shard.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts of the chunk-by-chunk responses ({@link ChunkedResponse}) a shard is sending. */
final class StreamStats {
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger waiting = new AtomicInteger();
  private final Counter cut;

  StreamStats(MeterRegistry registry) {
    Gauge.builder("imgcdn.shard.streams.open", open, AtomicInteger::get)
        .description("Large-object responses being sent chunk by chunk")
        .register(registry);
    Gauge.builder("imgcdn.shard.streams.waiting", waiting, AtomicInteger::get)
        .description("Of those, responses whose next chunk waits for the client to take the last")
        .register(registry);
    cut =
        Counter.builder("imgcdn.shard.streams.cut")
            .description(
                "Large-object responses cut mid-body: the object changed or a chunk failed"
                    + " verification")
            .register(registry);
  }

  void opened() {
    open.incrementAndGet();
  }

  void closed() {
    open.decrementAndGet();
  }

  void waiting(int delta) {
    waiting.addAndGet(delta);
  }

  void cut() {
    cut.increment();
  }

  int open() {
    return open.get();
  }

  int waiting() {
    return waiting.get();
  }
}
