/** Thumbnail specifications: width, height, fit, format and quality, in canonical form. */
@NullMarked
package io.imgcdn.origin.options;

import org.jspecify.annotations.NullMarked;
