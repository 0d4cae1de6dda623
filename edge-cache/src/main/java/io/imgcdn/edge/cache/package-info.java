/** The edge's in-memory cache: Caffeine bounded by bytes, admission and purges. */
@NullMarked
package io.imgcdn.edge.cache;

import org.jspecify.annotations.NullMarked;
