package io.imgcdn.shard.store;

import java.nio.file.Path;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The store's own bounded pool of platform threads, on which every RocksDB call that may read or
 * write a file runs.
 */
final class StoreThreads {

  /*
   * RocksDB calls block in native code (and would pin a virtual thread's carrier), so they run on a
   * fixed pool of platform threads with a bounded queue; a full queue is refused at once (AbortPolicy)
   * so the server can answer 503 instead of queueing without bound.
   */

  private final ThreadPoolExecutor executor;
  private final Path directory;
  private final AtomicBoolean closed = new AtomicBoolean();

  StoreThreads(int threads, int queueCapacity, Path directory) {
    AtomicInteger counter = new AtomicInteger();
    this.executor =
        new ThreadPoolExecutor(
            threads,
            threads,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(queueCapacity),
            runnable ->
                Thread.ofPlatform()
                    .name("shard-store-" + counter.incrementAndGet())
                    .daemon(true)
                    .unstarted(runnable),
            new ThreadPoolExecutor.AbortPolicy());
    this.directory = directory;
    executor.prestartAllCoreThreads();
  }

  /**
   * Runs {@code task} on a store thread. The future fails at once with {@link
   * RejectedExecutionException} when the queue is full, and with {@link IllegalStateException}
   * after {@link #shutDownAndWait}.
   */
  <T extends @Nullable Object> CompletableFuture<T> submit(Callable<T> task) {
    if (closed.get()) {
      return CompletableFuture.failedFuture(
          new IllegalStateException("shard store closed: " + directory));
    }
    CompletableFuture<T> future = new CompletableFuture<>();
    try {
      executor.execute(
          () -> {
            try {
              future.complete(task.call());
            } catch (Throwable t) {
              future.completeExceptionally(t);
            }
          });
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(e);
    }
    return future;
  }

  /**
   * Refuses new tasks and waits up to {@code seconds} for the accepted ones; false when some still
   * run then (or the wait was interrupted).
   */
  boolean shutDownAndWait(long seconds) {
    closed.set(true);
    executor.shutdown();
    try {
      return executor.awaitTermination(seconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
