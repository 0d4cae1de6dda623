/** Thumbnail-engine benchmarks. */
@NullMarked
package io.imgcdn.bench.thumbs;

import org.jspecify.annotations.NullMarked;
