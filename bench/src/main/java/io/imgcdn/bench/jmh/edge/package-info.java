/** JMH benchmarks of the edge's hit path. */
@NullMarked
package io.imgcdn.bench.jmh.edge;

import org.jspecify.annotations.NullMarked;
