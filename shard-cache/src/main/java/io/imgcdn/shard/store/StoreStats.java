package io.imgcdn.shard.store;

/**
 * A snapshot of a {@link ShardStore}'s counters, all since it was opened except {@code objects} and
 * {@code bytes}.
 *
 * @param objects objects stored, RocksDB's estimate ({@code rocksdb.estimate-num-keys})
 * @param bytes bytes of data held: table and blob files plus memtables (excludes WAL, logs,
 *     MANIFEST)
 * @param hits gets that returned an object
 * @param memoryHits of the hits, those answered from memory on the caller's thread ({@link
 *     ShardStore#getCached}), without a hop to the store's threads
 * @param misses gets that returned nothing, including checksum failures
 * @param puts objects written by put or offer (not counting re-insertions)
 * @param evictions objects dropped by the byte bound (whole oldest table files; replaced and
 *     re-inserted copies count too)
 * @param checksumFailures stored values that failed verification and were deleted
 * @param reinsertions hit objects rewritten at the head of the log to keep them from eviction
 * @param admissionRejections offers refused because the key was not requested often enough yet
 * @param bytesAdmitted encoded bytes of the values written by put or offer
 * @param diskBytesWritten bytes RocksDB wrote to files: WAL, flushes (table and blob files),
 *     compactions; {@code diskBytesWritten / bytesAdmitted} is the write amplification
 * @param boundRefusals writes (puts, offers, re-insertions) not done because they could have taken
 *     the directory over maxBytes while RocksDB's background work lagged
 */
public record StoreStats(
    long objects,
    long bytes,
    long hits,
    long memoryHits,
    long misses,
    long puts,
    long evictions,
    long checksumFailures,
    long reinsertions,
    long admissionRejections,
    long bytesAdmitted,
    long diskBytesWritten,
    long boundRefusals) {}
