/** A trace-driven cache simulator comparing eviction and admission policies. */
@NullMarked
package io.imgcdn.bench.sim;

import org.jspecify.annotations.NullMarked;
