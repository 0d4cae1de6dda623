/**
 * HTTP/3 at the edge (RFC 9114 over QUIC, RFC 9000): the UDP listener on the HTTPS port's number,
 * its QUIC connections with their limits and drain, and each request stream served through the
 * protocol-neutral {@code StreamRequestHandler} as HTTP/2's are. {@link
 * io.imgcdn.edge.http3.Http3Server} is the entry point; {@link io.imgcdn.edge.http3.AltSvc} is how
 * HTTPS responses advertise it.
 */
@NullMarked
package io.imgcdn.edge.http3;

import org.jspecify.annotations.NullMarked;
