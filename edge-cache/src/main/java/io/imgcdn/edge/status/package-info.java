/** The edge's status page and its counters. */
@NullMarked
package io.imgcdn.edge.status;

import org.jspecify.annotations.NullMarked;
