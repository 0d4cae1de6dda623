package io.imgcdn.shard.store;

import java.util.concurrent.atomic.LongAdder;

/**
 * The counters behind {@link StoreStats} that the store's parts count themselves (evictions are
 * RocksDB's: {@link StoreDatabase#evictedObjects()}).
 */
final class StoreCounters {
  final LongAdder hits = new LongAdder();
  final LongAdder memoryHits = new LongAdder();
  final LongAdder misses = new LongAdder();
  final LongAdder puts = new LongAdder();
  final LongAdder checksumFailures = new LongAdder();
  final LongAdder reinsertions = new LongAdder();
  final LongAdder admissionRejections = new LongAdder();
  final LongAdder bytesAdmitted = new LongAdder();
  final LongAdder boundRefusals = new LongAdder();
}
