package io.imgcdn.origin.processing;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;

/**
 * A named list of {@link Step}s run in order, with a deadline check before each step.
 *
 * @param <J> the job state the steps read and write
 */
final class Pipeline<J> {

  /*
   * imgproxy's processing/pipeline.go: `type Pipeline []Step` whose Run calls CheckTimeout after
   * every step. A step that can take long (decoding) checks the deadline inside too, through the
   * decoder's progress callback; a pipeline check alone would only notice after the decode.
   */

  private final SequencedMap<String, Step<J>> steps;
  private final Clock clock;

  private Pipeline(SequencedMap<String, Step<J>> steps, Clock clock) {
    this.steps = steps;
    this.clock = clock;
  }

  static <J> Builder<J> builder() {
    return new Builder<>();
  }

  /** The step names in order, for logs and tests. */
  List<String> stepNames() {
    return List.copyOf(steps.keySet());
  }

  /** Runs every step on {@code job}; throws 504 if {@code deadline} passes before a step. */
  void run(J job, Instant deadline) throws ImageProcessingException {
    for (Map.Entry<String, Step<J>> step : steps.entrySet()) {
      checkDeadline(deadline, step.getKey());
      step.getValue().apply(job);
    }
  }

  private void checkDeadline(Instant deadline, String stage) throws ImageProcessingException {
    if (!clock.instant().isBefore(deadline)) {
      throw ImageProcessingException.deadlineExceeded(stage);
    }
  }

  static final class Builder<J> {
    private final SequencedMap<String, Step<J>> steps = new LinkedHashMap<>();
    private Clock clock = Clock.systemUTC();

    Builder<J> step(String name, Step<J> step) {
      if (steps.putIfAbsent(name, step) != null) {
        throw new IllegalArgumentException("step: '" + name + "' (expected: a unique name)");
      }
      return this;
    }

    Builder<J> clock(Clock newClock) {
      clock = newClock;
      return this;
    }

    Pipeline<J> build() {
      return new Pipeline<>(new LinkedHashMap<>(steps), clock);
    }
  }
}
