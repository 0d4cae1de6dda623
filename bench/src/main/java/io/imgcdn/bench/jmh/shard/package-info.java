/** JMH benchmarks of the shard store's on-disk layouts. */
@NullMarked
package io.imgcdn.bench.jmh.shard;

import org.jspecify.annotations.NullMarked;
