/**
 * The HTTP serving plumbing every tier shares: the server and its connection pipeline, the
 * protocol-neutral seam between a tier and the wire ({@link io.imgcdn.common.http.Tier}, {@link
 * io.imgcdn.common.http.ResponseChannel}), conditional requests and the response writers.
 */
@NullMarked
package io.imgcdn.common.http;

import org.jspecify.annotations.NullMarked;
