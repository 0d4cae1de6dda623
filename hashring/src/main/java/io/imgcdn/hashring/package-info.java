/**
 * Consistent hashing every imgcdn tier agrees on: {@link io.imgcdn.hashring.HashRings} builds an
 * immutable {@link io.imgcdn.hashring.NodeLocator} from a list of {@link io.imgcdn.hashring.Node}s.
 */
@NullMarked
package io.imgcdn.hashring;

import org.jspecify.annotations.NullMarked;
