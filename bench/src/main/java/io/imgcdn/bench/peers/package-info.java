/**
 * Runs that measure imgcdn against the systems users would pick instead (nginx, Traffic Server).
 */
@NullMarked
package io.imgcdn.bench.peers;

import org.jspecify.annotations.NullMarked;
