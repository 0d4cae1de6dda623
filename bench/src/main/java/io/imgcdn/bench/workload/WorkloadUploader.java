package io.imgcdn.bench.workload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/** Puts every original of a workload into an {@link ObjectSink}. */
public final class WorkloadUploader {

  /**
   * What an upload did.
   *
   * @param objects objects put
   * @param bytes bytes put
   */
  public record Result(long objects, long bytes) {}

  private WorkloadUploader() {}

  /**
   * Puts originals {@code 0..originalCount-1} with {@code threads} platform threads (bodies are
   * made on those threads too) and returns when all are stored; the first failure cancels the rest
   * and is thrown.
   */
  public static Result upload(Workload workload, ObjectSink sink, int threads) throws IOException {
    if (threads <= 0) {
      throw new IllegalArgumentException("threads: " + threads + " (expected: > 0)");
    }
    AtomicLong bytes = new AtomicLong();
    AtomicLong objects = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> futures = new ArrayList<>();
      int n = workload.originalCount();
      int chunk = Math.max(1, n / (threads * 8));
      for (int start = 0; start < n; start += chunk) {
        int from = start;
        int to = Math.min(n, start + chunk);
        futures.add(
            pool.submit(
                () -> {
                  for (int i = from; i < to; i++) {
                    byte[] body = workload.body(i);
                    try {
                      sink.put(workload.key(i), body, workload.contentType());
                    } catch (IOException e) {
                      throw new UncheckedIOException("put " + workload.key(i), e);
                    }
                    bytes.addAndGet(body.length);
                    objects.incrementAndGet();
                  }
                  return null;
                }));
      }
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (ExecutionException e) {
          futures.forEach(x -> x.cancel(true));
          if (e.getCause() instanceof UncheckedIOException u) {
            throw u.getCause();
          }
          throw new IllegalStateException("upload failed", e.getCause());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("upload interrupted", e);
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return new Result(objects.get(), bytes.get());
  }
}
