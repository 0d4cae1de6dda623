/** The shard's configuration. */
@NullMarked
package io.imgcdn.shard.config;

import org.jspecify.annotations.NullMarked;
