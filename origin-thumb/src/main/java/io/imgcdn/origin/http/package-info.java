/** The origin's request handling: originals and thumbnails over HTTP. */
@NullMarked
package io.imgcdn.origin.http;

import org.jspecify.annotations.NullMarked;
