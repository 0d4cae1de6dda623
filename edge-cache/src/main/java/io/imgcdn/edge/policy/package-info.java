/**
 * What the edge adds to and checks on every response, per key prefix (CORS, nosniff, CSP, active
 * content, hotlink protection): {@link io.imgcdn.edge.policy.ResponsePolicy} is the entry point.
 */
@NullMarked
package io.imgcdn.edge.policy;

import org.jspecify.annotations.NullMarked;
