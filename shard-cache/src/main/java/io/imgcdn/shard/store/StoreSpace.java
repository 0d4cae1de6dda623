package io.imgcdn.shard.store;

import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.rocksdb.RocksDBException;
import org.rocksdb.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The store's room while it runs: its effective bound ({@link DiskRoom}) watched every second, the
 * byte bound's guard in front of every write, FIFO's share following the bound, and whether the
 * store can write (the shard's readiness).
 */
final class StoreSpace implements AutoCloseable {

  /*
   * A tick every INTERVAL_MILLIS on the store's "space" thread:
   *
   *  1. measures the directory, the filesystem and the memtables, and hands that to the guard, so its
   *     limit follows the bound even when no write crosses it;
   *  2. deletes the spare when the filesystem has less free space than the spare's size, and writes it
   *     again once there is room for it above the reserve (DiskRoom);
   *  3. notes whether the store has room to write: the share of the table files the bound leaves
   *     (StoreBudget.tableFilesBytesWithin) holds at least one memtable's flush;
   *  4. if so, sets FIFO's share to it, in steps of one write buffer: a lower share makes RocksDB drop
   *     the oldest files at once (SetOptions schedules the compaction), a higher one lets the store
   *     grow back. If not, the share stays where it is: evicting would not make room to write, and
   *     what is stored keeps serving hits (the filesystem's free space is then the other writers' to
   *     give back).
   *
   * RocksDB's background error: on ENOSPC RocksDB turns read-only (writes and deletes fail with the
   * error), and its SstFileManager checks every 5 s whether write_buffer_size bytes are free again,
   * then flushes the memtables and resumes by itself (rocksdbjni 11.8 has no DB::Resume). A write that
   * fails with an I/O error marks the store failing and, for no space, deletes the spare at once so
   * that the recovery finds room. While failing, writes are held back (a write slipping through right
   * after the recovery could take the room the next flush needs) and the guard measures again before
   * the next one. RocksDB's "recovery completed" event, a delete that goes through (StoreDeletes
   * tries again every second), or, after RETRY_AFTER_MILLIS, a filesystem with room again clears
   * the mark.
   */

  private static final Logger log = LoggerFactory.getLogger(StoreSpace.class);

  static final long INTERVAL_MILLIS = 1000;

  /**
   * After this long failing, a filesystem with room clears the mark (writes are tried again): for
   * an error RocksDB does not recover from by itself (it checks for space every 5 s).
   */
  static final long RETRY_AFTER_MILLIS = 10_000;

  /** Room the guard leaves for the info LOG and MANIFEST to grow between its measurements. */
  static final long GUARD_SLACK_BYTES = 1L << 20;

  private final StoreDatabase database;
  private final DiskRoom room;
  private final StoreBudget budget;
  private final DiskGuard guard;
  private final ScheduledExecutorService watcher;
  private final Object recovery = new Object();
  private volatile long boundBytes;
  private volatile boolean roomForWrites = true;
  private volatile boolean failing;
  private volatile long failingSince;
  private volatile String failure = "";

  StoreSpace(StoreDatabase database) {
    this.database = database;
    this.room = database.room();
    this.budget = database.budget();
    this.boundBytes = budget.maxBytes();
    this.guard = new DiskGuard(this::measureForGuard);
    database.onErrorRecovered(() -> recovered("RocksDB recovered from its background error"));
    this.watcher =
        Executors.newSingleThreadScheduledExecutor(
            runnable ->
                Thread.ofPlatform().name("shard-store-space").daemon(true).unstarted(runnable));
  }

  /** Runs the first tick now and then every second. */
  StoreSpace start() {
    watcher.scheduleWithFixedDelay(this::tick, 0, INTERVAL_MILLIS, TimeUnit.MILLISECONDS);
    return this;
  }

  /**
   * Whether a write of {@code bytes} (as on disk: keys, values, chunk keys) may go ahead; if so it
   * is counted against the bound.
   */
  boolean tryAdmit(long bytes) {
    return roomForWrites && !failing && guard.tryAdmit(bytes);
  }

  /** Whether the store can write now: room within its bound, and RocksDB accepting writes. */
  boolean writable() {
    return roomForWrites && !failing;
  }

  /** Whether RocksDB refused the last write for an I/O error and has not recovered since. */
  boolean failing() {
    return failing;
  }

  /** The effective bound at the last measurement. */
  long boundBytes() {
    return boundBytes;
  }

  /**
   * Notes a write, delete or re-insertion that failed; true if RocksDB refuses writes for an error
   * (its background error after ENOSPC, or another I/O error), false for a write stall or any other
   * refusal of this write alone.
   */
  boolean failed(RocksDBException e) {
    Status status = e.getStatus();
    if (status == null || StoreDatabase.isWriteStall(e)) {
      return false;
    }
    // RocksDB reports its background error as the status of every refused write, or, for one
    // that was waiting for a stall, as Incomplete carrying the error's text.
    String message = String.valueOf(e.getMessage());
    boolean noSpace =
        status.getSubCode() == Status.SubCode.NoSpace || message.contains("No space left");
    if (status.getCode() != Status.Code.IOError
        && !(status.getCode() == Status.Code.Incomplete
            && (noSpace || message.contains("IO error")))) {
      return false;
    }
    if (noSpace) {
      releaseSpare("RocksDB found no space");
    }
    guard.invalidate();
    synchronized (recovery) {
      if (failing) {
        return true;
      }
      failing = true;
      failingSince = System.nanoTime();
      failure = message;
    }
    log.warn(
        "shard store {}: cannot write: {}; hits are still served, fills passed on unstored until"
            + " RocksDB recovers",
        room.directory(),
        message);
    return true;
  }

  /** Notes a write that went through. */
  void succeeded() {
    if (failing) {
      recovered("a write went through");
    }
  }

  /**
   * Waits until RocksDB is not failing (or {@code millis} passed); true if it is not failing then.
   */
  boolean awaitRecovery(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    synchronized (recovery) {
      while (failing) {
        long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
        if (left <= 0) {
          return false;
        }
        recovery.wait(left);
      }
      return true;
    }
  }

  private void recovered(String how) {
    synchronized (recovery) {
      if (!failing) {
        return;
      }
      failing = false;
      recovery.notifyAll();
    }
    guard.invalidate();
    log.info("shard store {}: writes again ({}; was: {})", room.directory(), how, failure);
  }

  /**
   * One look at the filesystem; never throws (a periodic task that throws is never run again), the
   * next tick tries again.
   */
  synchronized void tick() {
    try {
      DiskRoom.Room now = room.measure();
      boundBytes = now.boundBytes();
      guard.update(
          new DiskGuard.Measurement(
              now.storeBytes() + memtableBytes(), now.boundBytes() - GUARD_SLACK_BYTES));
      keepSpare(now);
      followBound(now);
      if (failing
          && System.nanoTime() - failingSince > TimeUnit.MILLISECONDS.toNanos(RETRY_AFTER_MILLIS)
          && now.usableBytes() >= room.reserveBytes() + budget.memtableBytes()) {
        recovered("the filesystem has room: writes are tried again");
      }
    } catch (IOException | RuntimeException e) {
      log.warn("shard store {}: cannot measure its room: {}", room.directory(), e.toString());
    } catch (Error e) {
      log.error("shard store {}: watching its room failed", room.directory(), e);
      if (e instanceof VirtualMachineError) {
        throw e;
      }
    }
  }

  private void keepSpare(DiskRoom.Room now) throws IOException {
    long spare = budget.memtableBytes();
    if (now.usableBytes() < spare) {
      releaseSpare("the filesystem has " + mib(now.usableBytes()) + " free");
    } else if (now.usableBytes() >= room.reserveBytes() + 2 * spare && !room.spareExists()) {
      room.writeSpare(spare);
    }
  }

  private void releaseSpare(String why) {
    try {
      if (room.releaseSpare()) {
        log.warn(
            "shard store {}: deleted its spare file ({}): room for RocksDB's deletes, FIFO drops"
                + " and recovery",
            room.directory(),
            why);
      }
    } catch (IOException e) {
      log.warn("shard store {}: cannot delete its spare file: {}", room.directory(), e.toString());
    }
  }

  /** Notes whether one flush still fits, and if so moves FIFO's share with the bound. */
  private void followBound(DiskRoom.Room now) {
    long target = budget.tableFilesBytesWithin(now.boundBytes());
    boolean room = budget.roomToWrite(now.boundBytes());
    if (room) {
      long current = database.dataFilesLimit();
      long whole = budget.tableFilesBytes();
      if (target < current
          || target >= current + 2 * budget.writeBufferBytes()
          || target == whole && current != whole) {
        try {
          database.setDataFilesLimit(target);
          if (current == whole) {
            log.warn(
                "shard store {}: its filesystem gives it less room: table files {} -> {} ({})",
                this.room.directory(),
                mib(current),
                mib(target),
                figures(now));
          } else if (target == whole) {
            log.info(
                "shard store {}: its whole share again: table files {}",
                this.room.directory(),
                mib(target));
          } else {
            log.debug(
                "shard store {}: table files {} -> {} ({})",
                this.room.directory(),
                mib(current),
                mib(target),
                figures(now));
          }
        } catch (RocksDBException e) {
          log.warn(
              "shard store {}: cannot set FIFO's share to {}: {}",
              this.room.directory(),
              mib(target),
              e.getMessage());
        }
      }
    }
    if (room == roomForWrites) {
      return;
    }
    roomForWrites = room;
    if (room) {
      log.info("shard store {}: room to write again ({})", this.room.directory(), figures(now));
    } else {
      log.warn(
          "shard store {}: no room to write ({}, table files {}, less than one memtable of {});"
              + " what is stored still serves hits, fills are passed on unstored",
          this.room.directory(),
          figures(now),
          mib(target),
          mib(budget.memtableBytes()));
    }
  }

  private String figures(DiskRoom.Room now) {
    return "bound "
        + mib(now.boundBytes())
        + " = min(max-bytes + headroom "
        + mib(room.maxBytes())
        + ", store "
        + mib(now.storeBytes())
        + " + free "
        + mib(now.usableBytes())
        + " - reserve "
        + mib(room.reserveBytes())
        + ")";
  }

  private DiskGuard.Measurement measureForGuard() {
    try {
      DiskRoom.Room now = room.measure();
      boundBytes = now.boundBytes();
      return new DiskGuard.Measurement(
          now.storeBytes() + memtableBytes(), now.boundBytes() - GUARD_SLACK_BYTES);
    } catch (IOException | RuntimeException e) {
      log.warn("shard store {}: cannot measure its room: {}", room.directory(), e.toString());
      return new DiskGuard.Measurement(Long.MAX_VALUE / 4, 0); // refuse rather than risk the bound
    }
  }

  private long memtableBytes() {
    try {
      return database.memtableBytes();
    } catch (RocksDBException e) {
      throw new IllegalStateException("cannot read memtable size: " + e.getMessage(), e);
    }
  }

  private static String mib(long bytes) {
    return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / (double) (1 << 20));
  }

  /** Stops the ticks and waits for one running; before RocksDB is closed. */
  @Override
  public void close() {
    watcher.shutdown();
    try {
      watcher.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
