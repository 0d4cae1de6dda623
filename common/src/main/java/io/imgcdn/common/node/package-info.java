/** What every node's process shares: start-up, shutdown and its runtime parts. */
@NullMarked
package io.imgcdn.common.node;

import org.jspecify.annotations.NullMarked;
