/** Edge-only runs: the edge against nginx, a big-cache run and the sendfile probe. */
@NullMarked
package io.imgcdn.bench.edge;

import org.jspecify.annotations.NullMarked;
