package io.imgcdn.shard.store;

import java.util.concurrent.atomic.AtomicLongArray;
import org.jspecify.annotations.Nullable;
import org.rocksdb.RocksDBException;

/**
 * Orders the writes of one key: every mutation (put, delete, re-insertion, dropping a corrupt
 * value) runs under the lock of the key's stripe and then bumps the stripe's version, so a
 * re-insertion can tell whether anything wrote the key since it read it.
 */
final class KeyStripes {

  /*
   * A re-insertion writes back a copy it read earlier, on another thread than a put or delete of the
   * same key may run on. A stale copy must never overwrite a newer value or resurrect a deleted one: a
   * read notes its stripe's version before it reads, and the re-insertion goes ahead only if the version
   * is unchanged once it holds the stripe's lock (mutateIfUnchanged). Stripes rather than one lock per
   * key: bounded memory; two keys sharing a stripe at worst skip a re-insertion.
   */

  private static final int STRIPES = 1024;

  private final Object[] locks = new Object[STRIPES];
  private final AtomicLongArray versions = new AtomicLongArray(STRIPES);

  KeyStripes() {
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new Object();
    }
  }

  /** A write to RocksDB under a stripe's lock. */
  @FunctionalInterface
  interface Mutation<T extends @Nullable Object> {
    T run() throws RocksDBException;
  }

  /** The version of the key's stripe, noted before a read whose copy may be written back. */
  long version(long keyHash) {
    return versions.get(stripe(keyHash));
  }

  /** Runs {@code mutation} under the key's stripe lock, then bumps the stripe's version. */
  <T extends @Nullable Object> T mutate(long keyHash, Mutation<T> mutation)
      throws RocksDBException {
    int stripe = stripe(keyHash);
    synchronized (locks[stripe]) {
      T result = mutation.run();
      versions.incrementAndGet(stripe);
      return result;
    }
  }

  /**
   * Runs {@code mutation} as {@link #mutate} does, but only if nothing mutated the key's stripe
   * since {@code version} was noted; null (and nothing run) otherwise.
   */
  <T> @Nullable T mutateIfUnchanged(long keyHash, long version, Mutation<T> mutation)
      throws RocksDBException {
    int stripe = stripe(keyHash);
    synchronized (locks[stripe]) {
      if (versions.get(stripe) != version) {
        return null;
      }
      T result = mutation.run();
      versions.incrementAndGet(stripe);
      return result;
    }
  }

  private static int stripe(long keyHash) {
    return (int) (keyHash >>> 40) & (STRIPES - 1);
  }
}
