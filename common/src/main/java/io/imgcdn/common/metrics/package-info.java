/** Metrics every node exports. */
@NullMarked
package io.imgcdn.common.metrics;

import org.jspecify.annotations.NullMarked;
