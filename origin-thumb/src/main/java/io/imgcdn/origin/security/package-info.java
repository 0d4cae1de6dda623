/** URL signatures and the limits checked before decoding. */
@NullMarked
package io.imgcdn.origin.security;

import org.jspecify.annotations.NullMarked;
