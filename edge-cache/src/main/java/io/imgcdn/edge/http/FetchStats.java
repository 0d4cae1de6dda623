package io.imgcdn.edge.http;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/** Counters of the edge's fetches from the shard tier: retries, streams and their pacing. */
public final class FetchStats {
  final LongAdder attempts = new LongAdder();
  final LongAdder retries = new LongAdder();
  final LongAdder spills = new LongAdder();
  final LongAdder stored = new LongAdder();
  final LongAdder streamed = new LongAdder();
  final LongAdder streamedBytes = new LongAdder();
  final LongAdder detached = new LongAdder();
  final LongAdder released = new LongAdder();
  final LongAdder streamAborts = new LongAdder();
  final LongAdder streamCancels = new LongAdder();
  final AtomicInteger pausedStreams = new AtomicInteger();
  final AtomicInteger openStreams = new AtomicInteger();

  /** Requests sent to shards. */
  public long attempts() {
    return attempts.sum();
  }

  /** Requests sent to a further candidate after one failed. */
  public long retries() {
    return retries.sum();
  }

  /**
   * Misses sent first to a shard that does not own the key because its owner was overloaded
   * (bounded loads); the stand-in relays the owner's copy.
   */
  public long spills() {
    return spills.sum();
  }

  /** Objects fetched and stored in memory. */
  public long stored() {
    return stored.sum();
  }

  /** Objects relayed without being stored (above the object bound). */
  public long streamed() {
    return streamed.sum();
  }

  /** Body bytes of relayed objects read from shards. */
  public long streamedBytes() {
    return streamedBytes.sum();
  }

  /**
   * Clients of a relay that were moved onto a shard request of their own (a Range from where they
   * were) because they held the other clients of that relay back.
   */
  public long detached() {
    return detached.sum();
  }

  /**
   * Relays whose every client had been stalled for edge.stream.release-after: their shard
   * connections were closed, and each client asks for the rest with a Range once it reads again.
   */
  public long released() {
    return released.sum();
  }

  /** Relays cut because their shard response failed mid-body. */
  public long streamAborts() {
    return streamAborts.sum();
  }

  /**
   * Relays whose shard response was cancelled because no client was left on them (gone or
   * detached).
   */
  public long streamCancels() {
    return streamCancels.sum();
  }

  /** Relays whose shard connection is paused now because a client is not keeping up. */
  public int pausedStreams() {
    return pausedStreams.get();
  }

  /** Relays in progress now. */
  public int openStreams() {
    return openStreams.get();
  }

  public void bind(MeterRegistry registry) {
    FunctionCounter.builder("imgcdn.edge.fetch.attempts", this, FetchStats::attempts)
        .description("Requests sent to shards")
        .register(registry);
    FunctionCounter.builder("imgcdn.edge.fetch.retries", this, FetchStats::retries)
        .description("Requests sent to a further shard after a failure")
        .register(registry);
    FunctionCounter.builder("imgcdn.edge.spills", this, FetchStats::spills)
        .description(
            "Misses moved off their overloaded owner shard to a stand-in (which relays the owner's"
                + " copy)")
        .register(registry);
    FunctionCounter.builder("imgcdn.edge.fetch.streamed", this, FetchStats::streamed)
        .description("Objects relayed without being stored")
        .register(registry);
    FunctionCounter.builder("imgcdn.edge.fetch.stream.detached", this, FetchStats::detached)
        .description("Slow clients of a relay moved onto a shard request of their own")
        .register(registry);
    FunctionCounter.builder("imgcdn.edge.fetch.stream.released", this, FetchStats::released)
        .description(
            "Relays whose clients had all stalled: shard connection closed, the rest fetched on"
                + " demand")
        .register(registry);
    FunctionCounter.builder("imgcdn.edge.fetch.stream.aborted", this, FetchStats::streamAborts)
        .description("Relays cut because the shard's response failed mid-body")
        .register(registry);
    FunctionCounter.builder("imgcdn.edge.fetch.stream.cancelled", this, FetchStats::streamCancels)
        .description("Relays cancelled because no client was left on them")
        .register(registry);
    FunctionCounter.builder("imgcdn.edge.fetch.streamed.bytes", this, FetchStats::streamedBytes)
        .description("Body bytes of relayed objects")
        .baseUnit("bytes")
        .register(registry);
    Gauge.builder("imgcdn.edge.streams.open", this, FetchStats::openStreams)
        .description("Relays in progress")
        .register(registry);
    Gauge.builder("imgcdn.edge.streams.paused", this, FetchStats::pausedStreams)
        .description("Relays paused by a slow client")
        .register(registry);
  }
}
