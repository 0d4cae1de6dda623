/** The origin tier: {@link io.imgcdn.origin.OriginServer} starts it. */
@NullMarked
package io.imgcdn.origin;

import org.jspecify.annotations.NullMarked;
