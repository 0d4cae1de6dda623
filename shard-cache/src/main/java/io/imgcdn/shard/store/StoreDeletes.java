package io.imgcdn.shard.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * Deletes and purges: one key, or every key of a prefix (all cached variants of one original). A
 * delete runs under the key's stripe lock, so no re-insertion of a copy read before it can
 * resurrect the key.
 */
final class StoreDeletes {

  /*
   * A purge must work on a full disk. A delete is a WAL record and a memtable entry, so it needs a few
   * bytes of disk: the store's bound leaves the reserve free, and StoreSpace deletes the spare file when
   * the filesystem is full anyway. If RocksDB has turned read-only (its background error after ENOSPC),
   * a delete fails at once; it is then tried again once RocksDB has recovered (it does so by itself once
   * write_buffer_size bytes are free, checking every 5 s; the spare is that room), waiting up to
   * RECOVERY_WAIT_MILLIS on the store thread: a purge is rare, and answering it late beats a 500.
   */

  static final long RECOVERY_WAIT_MILLIS = 15_000;

  private final StoreDatabase database;
  private final StoreThreads threads;
  private final KeyStripes stripes;
  private final StoreSpace space;

  StoreDeletes(StoreDatabase database, StoreThreads threads, KeyStripes stripes, StoreSpace space) {
    this.database = database;
    this.threads = threads;
    this.stripes = stripes;
    this.space = space;
  }

  /** See {@link ShardStore#delete}. */
  CompletableFuture<Boolean> delete(String key) {
    byte[] keyBytes = StoreKeys.encode(key);
    return threads.submit(() -> deleteIfPresent(keyBytes));
  }

  /** See {@link ShardStore#deletePrefix}. */
  CompletableFuture<Integer> deletePrefix(String prefix) {
    byte[] prefixBytes = StoreKeys.encode(prefix);
    return threads.submit(
        () -> {
          List<byte[]> keys = new ArrayList<>();
          try (RocksIterator it = database.db.newIterator(database.checkedReads)) {
            for (it.seek(prefixBytes);
                it.isValid() && StoreKeys.hasPrefix(it.key(), prefixBytes);
                it.next()) {
              if (!StoreKeys.isChunkKey(it.key())) {
                keys.add(it.key());
              }
            }
          }
          int deleted = 0;
          for (byte[] key : keys) {
            if (deleteIfPresent(key)) {
              deleted++;
            }
          }
          return deleted;
        });
  }

  /**
   * Deletes the object's key (its chunks, if any, go with their table file); true if it was there.
   * While RocksDB refuses writes for its background error, tried again until it recovers, for up to
   * {@link #RECOVERY_WAIT_MILLIS}.
   */
  private boolean deleteIfPresent(byte[] keyBytes) throws RocksDBException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RECOVERY_WAIT_MILLIS);
    boolean deleted;
    while (true) {
      try {
        deleted = deleteOnce(keyBytes);
        break;
      } catch (RocksDBException e) {
        if (!space.failed(e) || System.nanoTime() > deadline) {
          throw e;
        }
        // Woken early by RocksDB's "recovery completed"; else tried again every second.
        space.awaitRecovery(1000);
      }
    }
    if (deleted) {
      space.succeeded(); // a delete record was written
    }
    return deleted;
  }

  private boolean deleteOnce(byte[] keyBytes) throws RocksDBException {
    return stripes.mutate(
        FrequencySketch.hash(keyBytes),
        () -> {
          boolean present = database.db.keyExists(database.checkedReads, keyBytes);
          if (present) {
            database.write(w -> database.db.delete(w, keyBytes));
          }
          return present;
        });
  }
}
