/** Routing a key to its shard: the ring over the shards that are up, and health probes. */
@NullMarked
package io.imgcdn.edge.routing;

import org.jspecify.annotations.NullMarked;
