package io.imgcdn.shard.store;

import java.util.function.Supplier;

/**
 * The store's last line of defence for its byte bound: refuses a write that could take the
 * directory over the bound if RocksDB's background work (flushes, FIFO drops) falls behind.
 */
final class DiskGuard {

  /*
   * StoreBudget sizes RocksDB so that, with flushes and FIFO drops keeping up, the directory stays well
   * under the bound (83-89% in the tests). They may not keep up: on a starved machine (load 16 on 2
   * cores was seen here) flushes finished while the FIFO drop waited for a thread, and a replay
   * touched 101% of the bound. So each write first asks the guard.
   *
   * A write of v bytes can add up to 2v on disk before anything is dropped: v to the WAL now, v to a
   * table file when its memtable is flushed (the WAL file goes only after that). Bytes already in the
   * memtables will likewise appear once more when flushed. So with `measured` = bytes of the directory
   * and `unflushed` = memtable bytes, both measured together, and `since` = bytes admitted after that
   * measurement, a write is safe while
   *
   *     measured + unflushed + 2 since + 2 v  <=  maxBytes - slack
   *
   * (slack: growth of the info LOG and MANIFEST between measurements). The left side only grows
   * between measurements, so the directory is walked again only when a write would cross the limit:
   * every (limit - measured) / 2 bytes of writes in steady state, at most once per write near the
   * bound. A write still refused after a fresh measurement is not stored (a cache may skip a fill).
   *
   * maxBytes here is the store's effective bound (DiskRoom: the lower of the setting and what the
   * filesystem can give), so the limit comes with each measurement; StoreSpace also hands the guard
   * its own measurement every second, so a filesystem that others fill is noticed without a write
   * crossing the old limit first.
   */

  /** Bytes of the directory plus bytes in memtables, and the limit for them, measured together. */
  record Measurement(long usedBytes, long limitBytes) {}

  private final Supplier<Measurement> measure;
  private long estimate;
  private long limit;

  /**
   * @param measure the directory's bytes plus the memtables', and the limit (bound - slack), now
   */
  DiskGuard(Supplier<Measurement> measure) {
    this.measure = measure;
    this.estimate = Long.MAX_VALUE; // measure before the first write
    this.limit = 0;
  }

  /** Whether a write of {@code bytes} may go ahead; if so it is counted. */
  synchronized boolean tryAdmit(long bytes) {
    long needed = 2 * bytes;
    if (estimate > limit - needed) {
      update(measure.get());
      if (estimate > limit - needed) {
        return false;
      }
    }
    estimate += needed;
    return true;
  }

  /** Makes the next write measure again first (the disk changed in a way the count cannot tell). */
  synchronized void invalidate() {
    estimate = Long.MAX_VALUE;
  }

  /** Starts counting again from a measurement taken now. */
  synchronized void update(Measurement measurement) {
    estimate = measurement.usedBytes();
    limit = measurement.limitBytes();
  }
}
