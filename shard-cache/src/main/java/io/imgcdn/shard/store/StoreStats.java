package io.imgcdn.shard.store;

/**
 * A snapshot of a {@link ShardStore}'s counters, all since it was opened except {@code objects} and
 * {@code bytes}.
 *
 * @param objects          objects stored, RocksDB's estimate ({@code rocksdb.estimate-num-keys})
 * @param bytes            bytes of data held: table files plus memtables (excludes WAL, logs, MANIFEST)
 * @param hits             gets that returned an object
 * @param misses           gets that returned nothing, including checksum failures
 * @param puts             objects written
 * @param evictions        objects dropped by the byte bound (whole oldest table files)
 * @param checksumFailures stored values that failed verification and were deleted
 */
public record StoreStats(long objects, long bytes, long hits, long misses, long puts, long evictions,
    long checksumFailures) {}
