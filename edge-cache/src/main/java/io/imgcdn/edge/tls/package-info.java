/**
 * HTTPS at the edge: certificates chosen by SNI and reloaded without dropping connections, session
 * ticket keys an edge cluster can share, the TLS policy (versions, cipher suites, provider), and
 * the cleartext port's redirect to https. {@link io.imgcdn.edge.tls.EdgeTls} is the entry point.
 */
@NullMarked
package io.imgcdn.edge.tls;

import org.jspecify.annotations.NullMarked;
