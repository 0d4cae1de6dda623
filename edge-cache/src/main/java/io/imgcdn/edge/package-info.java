/** The edge tier: {@link io.imgcdn.edge.EdgeServer} starts it. */
@NullMarked
package io.imgcdn.edge;

import org.jspecify.annotations.NullMarked;
