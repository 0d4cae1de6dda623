/** The origin's configuration. */
@NullMarked
package io.imgcdn.origin.config;

import org.jspecify.annotations.NullMarked;
