package io.imgcdn.shard.store;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;

/**
 * Deletes and purges: one key, or every key of a prefix (all cached variants of one original). A
 * delete runs under the key's stripe lock, so no re-insertion of a copy read before it can
 * resurrect the key.
 */
final class StoreDeletes {

  private final StoreDatabase database;
  private final StoreThreads threads;
  private final KeyStripes stripes;

  StoreDeletes(StoreDatabase database, StoreThreads threads, KeyStripes stripes) {
    this.database = database;
    this.threads = threads;
    this.stripes = stripes;
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
   */
  private boolean deleteIfPresent(byte[] keyBytes) throws RocksDBException {
    return stripes.mutate(
        FrequencySketch.hash(keyBytes),
        () -> {
          boolean present = database.db.keyExists(database.checkedReads, keyBytes);
          if (present) {
            database.db.delete(database.writes, keyBytes);
          }
          return present;
        });
  }
}
