/**
 * The client side of a tier: pooled HTTP/1.1 connections to the next tier ({@link
 * io.imgcdn.common.upstream.UpstreamClient}), the walk over ring candidates within a deadline
 * ({@link io.imgcdn.common.upstream.CandidateWalk}), coalescing of concurrent fetches and the
 * memory budget of collected bodies.
 */
@NullMarked
package io.imgcdn.common.upstream;

import org.jspecify.annotations.NullMarked;
