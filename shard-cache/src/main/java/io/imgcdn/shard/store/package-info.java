/**
 * The shard's store on RocksDB: {@link io.imgcdn.shard.store.ShardStore} is the facade over its
 * parts (opening and recovery, hit reads, fills and writes, eviction and disk-fault healing).
 */
@NullMarked
package io.imgcdn.shard.store;

import org.jspecify.annotations.NullMarked;
