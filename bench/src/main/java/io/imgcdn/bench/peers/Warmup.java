package io.imgcdn.bench.peers;

import io.imgcdn.bench.load.LoadGenerator;
import io.imgcdn.bench.load.LoadResult;
import io.imgcdn.bench.load.LoadSpec;
import io.imgcdn.bench.workload.Trace;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/** Bringing a cache to a known state before it is measured. */
final class Warmup {

  private Warmup() {}

  /**
   * Requests every object of {@code eachOnce} (a trace naming each object once), pass after pass,
   * until one pass is answered {@code hit} by {@code tier} for every object; returns the number of
   * passes that took. Objects are admitted on a later request by some caches (the imgcdn shard
   * stores an object from its fourth request on), so one pass is not always enough.
   *
   * @throws IllegalStateException if {@code maxPasses} passes are not enough, or a pass has errors
   */
  static int untilAllHit(
      URI target, Trace eachOnce, String tier, int connections, int maxPasses, int threads)
      throws InterruptedException {
    LoadResult last = null;
    for (int pass = 1; pass <= maxPasses; pass++) {
      last =
          LoadGenerator.run(
              new LoadSpec(
                  List.of(target),
                  eachOnce,
                  0,
                  connections,
                  0,
                  eachOnce.length(),
                  Duration.ofMinutes(10),
                  Duration.ofSeconds(30),
                  Duration.ofSeconds(2),
                  threads,
                  null));
      if (last.errorCount() > 0) {
        throw new IllegalStateException(
            "warm-up pass "
                + pass
                + " on "
                + target
                + ": "
                + last.errors()
                + " errors, statuses "
                + last.statusClasses());
      }
      if (last.verdicts(tier, "hit") == eachOnce.length()) {
        return pass;
      }
    }
    if (last == null) {
      throw new IllegalArgumentException("maxPasses: " + maxPasses + " (expected: >= 1)");
    }
    throw new IllegalStateException(
        "warm-up of "
            + target
            + ": after "
            + maxPasses
            + " passes tier "
            + tier
            + " answered "
            + last.tiers()
            + " (expected: hit for all "
            + eachOnce.length()
            + " objects)");
  }

  /**
   * Replays the first {@code requests} requests of {@code trace} against {@code target} (closed
   * loop), for at most {@code maxDuration}; returns what that measured (how fast a cold cluster
   * fills).
   */
  static LoadResult replay(
      URI target, Trace trace, long requests, int connections, Duration maxDuration, int threads)
      throws InterruptedException {
    return LoadGenerator.run(
        new LoadSpec(
            List.of(target),
            trace,
            0,
            connections,
            0,
            requests,
            maxDuration,
            Duration.ofSeconds(30),
            Duration.ofSeconds(2),
            threads,
            null));
  }
}
