/** An open-loop HTTP load generator (Netty client) and its wrk wrapper. */
@NullMarked
package io.imgcdn.bench.load;

import org.jspecify.annotations.NullMarked;
