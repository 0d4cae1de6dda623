/** The authenticated admin HTTP endpoint every node serves (purge, reload, status). */
@NullMarked
package io.imgcdn.common.admin;

import org.jspecify.annotations.NullMarked;
