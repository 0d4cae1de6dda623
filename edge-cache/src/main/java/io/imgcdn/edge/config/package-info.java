/** The edge's configuration. */
@NullMarked
package io.imgcdn.edge.config;

import org.jspecify.annotations.NullMarked;
