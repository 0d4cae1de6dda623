/**
 * The shard tier's HTTP side: {@link io.imgcdn.shard.http.ShardTier} answers from the store or
 * fills it from the origin, and the response writers stream stored objects chunk by chunk.
 */
@NullMarked
package io.imgcdn.shard.http;

import org.jspecify.annotations.NullMarked;
