/** JMH benchmarks of hash-ring lookups and rebuilds. */
@NullMarked
package io.imgcdn.bench.jmh.hashring;

import org.jspecify.annotations.NullMarked;
