/** The shard tier: {@link io.imgcdn.shard.ShardServer} starts it. */
@NullMarked
package io.imgcdn.shard;

import org.jspecify.annotations.NullMarked;
